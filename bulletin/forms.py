from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.widgets import FileInput
from bulletin.models import BulletinAudience, BulletinKind


class AudienceOrgsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return "\u3000" * max(obj.depth - 1, 0) + obj.name


class BulletinForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=BulletinKind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("正文"), required=False, widget=forms.Textarea(attrs={"rows": 10}))
    upload = forms.FileField(label=_("附件"), required=False, widget=FileInput())
    audience = forms.ChoiceField(label=_("发送范围"), choices=BulletinAudience.choices, required=False,
                                 initial=BulletinAudience.JURISDICTION, widget=forms.RadioSelect)
    audience_orgs = AudienceOrgsField(
        label=_("接收单位"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("发送范围为“指定单位”时勾选；选中的单位及其下级单位都能看到。"))

    def __init__(self, *args, audience_orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience_orgs"].queryset = audience_orgs

    def clean_audience(self):
        return self.cleaned_data["audience"] or BulletinAudience.JURISDICTION  # as before the choice existed


class BulletinSearchForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), required=False, choices=[("", _("全部"))] + list(BulletinKind.choices))
    q = forms.CharField(label=_("标题或正文"), required=False, max_length=50)


class FileSendForm(forms.Form):
    recipient = forms.ModelChoiceField(label=_("接收人"), queryset=None)
    upload = forms.FileField(label=_("文件"), widget=FileInput())
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, recipients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients
        self.fields["recipient"].label_from_instance = lambda u: f"{u.organization.name} · {u.display_name}"
