from django import forms
from django.utils.translation import gettext_lazy as _

from bulletin.models import BulletinKind


class BulletinForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=BulletinKind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("正文"), required=False, widget=forms.Textarea(attrs={"rows": 10}))
    upload = forms.FileField(label=_("附件"), required=False)


class BulletinSearchForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), required=False, choices=[("", _("全部"))] + list(BulletinKind.choices))
    q = forms.CharField(label=_("标题或正文"), required=False, max_length=50)


class FileSendForm(forms.Form):
    recipient = forms.ModelChoiceField(label=_("接收人"), queryset=None)
    upload = forms.FileField(label=_("文件"))
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, recipients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients
        self.fields["recipient"].label_from_instance = lambda u: f"{u.organization.name} · {u.display_name}"
