"""Forms of the documents pages. They check the shape of the input; the rules are the services'."""
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.widgets import DateField

from documents.kinds import SPECS
from documents.models import DeliveryMethod, OfficeProfile

PETITIONER_CHOICES = [(m, DeliveryMethod(m).label) for m in (
    DeliveryMethod.IN_PERSON, DeliveryMethod.MAIL, DeliveryMethod.SMS, DeliveryMethod.ONLINE)]
UNIT_CHOICES = [(m, DeliveryMethod(m).label) for m in (DeliveryMethod.INTERNAL, DeliveryMethod.IN_PERSON,
                                                       DeliveryMethod.MAIL)]
INPUT_LABELS = {"处理依据": _("处理依据（法律、法规、政策条文）"), "反馈内容": _("反馈内容（办理情况和对督办意见的采纳情况）")}


def delivery_choices(kind):
    return PETITIONER_CHOICES if SPECS[kind].to_petitioner else UNIT_CHOICES


class IssueForm(forms.Form):
    """出具文书: which record (when there are several), how it will be delivered, what the issuer adds."""

    subject = forms.ChoiceField(label=_("对象"), required=False)
    delivery = forms.ChoiceField(label=_("送达方式"))
    reason = forms.CharField(label=_("更正理由"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, kind, subjects=(), correction=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["delivery"].choices = delivery_choices(kind)
        if len(subjects) > 1:
            self.fields["subject"].choices = [(s.key, s.label or s.key) for s in subjects]
            self.fields["subject"].required = True
        else:
            del self.fields["subject"]
        if correction:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]
        for name, required in SPECS[kind].inputs:
            self.fields[f"input_{name}"] = forms.CharField(
                label=INPUT_LABELS.get(name, name), required=required, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 4}))

    def inputs(self):
        return {name: self.cleaned_data.get(f"input_{name}", "") for name, _required in SPECS[self.kind].inputs}


class DeliveryForm(forms.Form):
    method = forms.ChoiceField(label=_("送达方式"))
    delivered_at = forms.DateTimeField(label=_("送达时间"), required=False,
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                  format="%Y-%m-%dT%H:%M"),
                                       input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
                                       help_text=_("不填为现在"))
    mail_number = forms.CharField(label=_("挂号信函号"), required=False, max_length=40,
                                  help_text=_("邮寄送达必填"))
    recipient = forms.CharField(label=_("签收人"), required=False, max_length=100)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = delivery_choices(kind)


class TemplateForm(forms.Form):
    letterhead = forms.CharField(label=_("发文机关标志"), max_length=200)
    number_word = forms.CharField(label=_("文号代字"), max_length=10,
                                  help_text=_("如“不受”：文号为“州信不受字〔2026〕第12号”"))
    title = forms.CharField(label=_("标题"), max_length=200)
    salutation = forms.CharField(label=_("主送"), max_length=200, required=False)
    body = forms.CharField(label=_("正文"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 16}),
                           help_text=_("每行一段；“一、……”开头的短行按一级标题排版。只能使用右侧列出的占位符。"))
    closing_note = forms.CharField(label=_("附注（联系方式）"), required=False, max_length=1000,
                                   widget=forms.Textarea(attrs={"rows": 3}))


class OfficeForm(forms.ModelForm):
    class Meta:
        model = OfficeProfile
        fields = ["address", "postcode", "phone", "reception_address", "reception_hours"]


class MailingForm(forms.Form):
    day = DateField(label=_("出具日期"))
