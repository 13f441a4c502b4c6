"""Forms of the public portal: input shape only, and no model: the lists come from the backend
(``portal.backends``), so the same forms serve the single-database setup and the internet-side
deployment. The rules (GB 11643 ID number, phone, content, the receiving bureau) are applied again by
the staff services when the petition is registered."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.text import PhoneError, clean_text, normalise_phone
from petitions.domain.idcard import IdNumberError, parse_id_number
from portal.captcha import EXPIRED, INVALID, MISSING, REPLAYED, challenge_verify

MAX_CONTENT = 5000
CHECK_MESSAGES = {
    MISSING: _("未收到浏览器的人机校验结果：提交本表单需要启用浏览器的 JavaScript，请启用后刷新本页再提交。"),
    INVALID: _("人机校验结果无效，未予提交。请重新提交。"),
    EXPIRED: _("人机校验已过期，未予提交。请重新提交。"),
    REPLAYED: _("该人机校验结果已使用过，未予提交。请重新提交。"),
}
# The registration's own message (petitions/services/intake.py), so the portal refuses what it would.
PHONE_MESSAGE = _("联系电话格式不正确：请填写11位手机号，或带区号的固定电话（如0871-65123456）。")


class PetitionSubmitForm(forms.Form):
    """网上信访: who writes, what about, to which bureau, and the browser check's solution. ``bureaus``,
    ``purposes`` and ``problems`` are ``(value, label)`` lists from the backend."""

    submit_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    bureau = forms.ChoiceField(label=_("受理机构"), error_messages={"required": _("请选择受理机构。"),
                                                                 "invalid_choice": _("请选择受理机构。")})
    name = forms.CharField(label=_("姓名"), max_length=50, error_messages={"required": _("请填写信访人姓名。")})
    id_number = forms.CharField(
        label=_("身份证号"), max_length=30, error_messages={"required": _("请填写身份证号。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "js-idcard", "spellcheck": "false",
                                      "aria-describedby": "id_id_number_check"}))
    phone = forms.CharField(label=_("联系电话"), max_length=30, error_messages={"required": _("请填写联系电话。")},
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    purpose = forms.ChoiceField(label=_("信访目的"), error_messages={"required": _("请选择信访目的。"),
                                                                 "invalid_choice": _("请选择信访目的。")})
    problem = forms.ChoiceField(label=_("所属问题"), required=False)
    content = forms.CharField(label=_("反映问题及诉求"), max_length=MAX_CONTENT,
                              widget=forms.Textarea(attrs={"rows": 8}),
                              error_messages={"required": _("反映问题及诉求不能为空。")})
    # The proof of work's solution, written by static/js/portal.js (portal/captcha.py).
    altcha = forms.CharField(label=_("人机校验"), widget=forms.HiddenInput, required=False, strip=False)

    def __init__(self, *args, bureaus, purposes, problems, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bureau"].choices = [("", _("请选择")), *bureaus]
        self.fields["purpose"].choices = [("", _("请选择")), *purposes]
        self.fields["problem"].choices = [("", _("不清楚（由信访部门分类）")), *problems]

    def clean_id_number(self):
        try:
            return parse_id_number(self.cleaned_data["id_number"], today=timezone.localdate()).number
        except IdNumberError as exc:
            raise ValidationError(exc.message)

    def clean_phone(self):
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except PhoneError:
            raise ValidationError(PHONE_MESSAGE)

    def clean_content(self):
        content = clean_text(self.cleaned_data["content"])
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
        """Keyword arguments of the backend's ``submit``."""
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

    def __init__(self, *args, targets, values, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = [t for t, _label in targets]
        for target, label in targets:
            self.fields[target] = forms.ChoiceField(label=label, choices=values, required=False,
                                                    widget=forms.RadioSelect)
        self.order_fields(self.targets + ["comment"])

    def ratings(self):
        return {t: self.cleaned_data.get(t) for t in self.targets if self.cleaned_data.get(t)}

    def clean(self):
        data = super().clean()
        if not any(data.get(t) for t in self.targets):
            raise ValidationError(_("请至少选择一项评价。"))
        return data


class ReviewRequestForm(forms.Form):
    reason = forms.CharField(label=_("请求理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": _("请填写请求理由。")})


class ReceiptForm(forms.Form):
    """The receipt code of an online petition (internet-side deployment: the number and query code
    are found under it once the intranet has registered the petition)."""

    receipt = forms.CharField(label=_("回执码"), max_length=40,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                                            "autocapitalize": "characters"}),
                              error_messages={"required": _("请填写回执码。")})
