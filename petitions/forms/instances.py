"""Forms of the 对端系统 page (petitions/views/instances.py): input shape only; the rules (which
organization may be a lower or upper instance, overlaps, the key) are ``petitions.services.instances``'s."""
from django import forms
from django.utils.translation import gettext_lazy

from accounts.models import OrgKind, OrgUnit
from petitions.models import PeerDirection


class PeerMarkForm(forms.Form):
    org = forms.ModelChoiceField(label=gettext_lazy("机构"), queryset=None,
                                 help_text=gettext_lazy("独立部署本系统的县（市）或州（上级系统）"))
    direction = forms.ChoiceField(label=gettext_lazy("关系"), choices=PeerDirection.choices)
    public_key = forms.CharField(label=gettext_lazy("对端公钥"), max_length=64,
                                 help_text=gettext_lazy("对端系统运行 exchange_keygen 输出的公钥（Base64）"))
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = OrgUnit.objects.filter(
            is_active=True, kind__in=(OrgKind.PREFECTURE, OrgKind.COUNTY, OrgKind.TOWNSHIP)).order_by("path")


class PeerKeyForm(forms.Form):
    public_key = forms.CharField(label=gettext_lazy("新公钥"), max_length=64,
                                 help_text=gettext_lazy("更换密钥期间新旧公钥同时有效，对方旧密钥签名的包全部应用后再停用旧公钥"))
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


class PeerLimitForm(forms.Form):
    max_mb = forms.IntegerField(label=gettext_lazy("单包大小上限（MB）"), min_value=0, max_value=1024 * 1024,
                                help_text=gettext_lazy("传输介质或网关能带的最大文件；0 为不设（按对方公布的上限）"))
