"""Forms of the public portal: input shape only. The rules (GB 11643 ID number, content, the
receiving bureau) are those of ``petitions.services.intake``, applied again by the service."""
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from petitions import clock
from petitions.forms.intake import DictChoiceField, QuickSelect
from petitions.models import DictKind, EvaluationTarget, IdType, Satisfaction
from petitions.services.intake import petitioner_identity_clean
from portal.captcha import EXPIRED, INVALID, MISSING, REPLAYED, challenge_verify
from portal.selectors import portal_bureaus

PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,18}[0-9]$")
MAX_CONTENT = 5000
CHECK_MESSAGES = {
    MISSING: _("未收到浏览器的人机校验结果：提交本表单需要启用浏览器的 JavaScript，请启用后刷新本页再提交。"),
    INVALID: _("人机校验结果无效，未予提交。请重新提交。"),
    EXPIRED: _("人机校验已过期，未予提交。请重新提交。"),
    REPLAYED: _("该人机校验结果已使用过，未予提交。请重新提交。"),
}


class PublicDictChoiceField(DictChoiceField):
    """A dictionary list as a citizen reads it: names without the standard codes."""

    def label_from_instance(self, obj):
        return obj.label_with_parent if self.tree else obj.name


class BureauChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PetitionSubmitForm(forms.Form):
    """网上信访: who writes, what about, to which bureau, and the browser check's solution."""

    submit_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    bureau = BureauChoiceField(label=_("受理机构"), queryset=portal_bureaus(), empty_label=_("请选择"),
                               widget=QuickSelect, error_messages={"required": _("请选择受理机构。"),
                                                                   "invalid_choice": _("请选择受理机构。")})
    name = forms.CharField(label=_("姓名"), max_length=50, error_messages={"required": _("请填写信访人姓名。")})
    id_number = forms.CharField(
        label=_("身份证号"), max_length=30, error_messages={"required": _("请填写身份证号。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "js-idcard", "spellcheck": "false",
                                      "aria-describedby": "id_id_number_check"}))
    phone = forms.CharField(label=_("联系电话"), max_length=30, error_messages={"required": _("请填写联系电话。")},
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    purpose = PublicDictChoiceField(DictKind.PURPOSE, label=_("信访目的"), empty_label=_("请选择"),
                                    error_messages={"required": _("请选择信访目的。")})
    problem = PublicDictChoiceField(DictKind.PROBLEM, tree=True, label=_("所属问题"), required=False,
                                    empty_label=_("不清楚（由信访部门分类）"))
    content = forms.CharField(label=_("反映问题及诉求"), max_length=MAX_CONTENT,
                              widget=forms.Textarea(attrs={"rows": 8}),
                              error_messages={"required": _("反映问题及诉求不能为空。")})
    # The proof of work's solution, written by static/js/portal.js (portal/captcha.py).
    altcha = forms.CharField(label=_("人机校验"), widget=forms.HiddenInput, required=False, strip=False)

    def clean_id_number(self):
        try:
            cleaned = petitioner_identity_clean(id_type=IdType.RESIDENT_ID, id_number=self.cleaned_data["id_number"],
                                                sex="", age=None, today=clock.today())
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["id_number"])
        return cleaned["id_number"]

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not PHONE.match(phone):
            raise ValidationError(_("请填写正确的联系电话（手机或固定电话）。"))
        return phone

    def clean_content(self):
        content = self.cleaned_data["content"].strip()
        if not content:
            raise ValidationError(_("反映问题及诉求不能为空。"))
        return content

    def clean_altcha(self):
        # Checked (and used up) on every post, whatever else is wrong: one challenge, one try.
        outcome = challenge_verify(self.cleaned_data["altcha"])
        if outcome is not None:
            raise ValidationError(CHECK_MESSAGES[outcome], code=outcome)
        return ""

    def submission(self):
        """Keyword arguments of ``portal_petition_submit``."""
        data = self.cleaned_data
        return {name: data[name] for name in ("bureau", "name", "id_number", "phone", "address", "purpose",
                                              "problem", "content", "submit_token")}


class TrackForm(forms.Form):
    number = forms.CharField(label=_("信访件编号"), max_length=40,
                             widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
                             error_messages={"required": _("请填写信访件编号。")})
    code = forms.CharField(label=_("查询码"), max_length=20,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                                         "autocapitalize": "characters"}),
                           error_messages={"required": _("请填写查询码。")})


class EvaluationForm(forms.Form):
    """One choice per target the petitioner may still evaluate (built from ``targets``)."""

    comment = forms.CharField(label=_("评价内容"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        for target, label in targets:
            self.fields[target] = forms.ChoiceField(
                label=label, choices=Satisfaction.choices, required=False, widget=forms.RadioSelect)
        self.order_fields([t for t, _label in targets] + ["comment"])

    def ratings(self):
        return {t: self.cleaned_data.get(t) for t in EvaluationTarget.values if self.cleaned_data.get(t)}

    def clean(self):
        data = super().clean()
        if not any(data.get(t) for t in EvaluationTarget.values):
            raise ValidationError(_("请至少选择一项评价。"))
        return data


class ReviewRequestForm(forms.Form):
    reason = forms.CharField(label=_("请求理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": _("请填写请求理由。")})
