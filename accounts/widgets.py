"""Date and file inputs that speak Chinese whatever the browser's language.

A native ``<input type="date">`` and ``<input type="file">`` take their words and their date order
from the browser's locale, and office terminals often run English browsers: the date segments
read mm/dd/yyyy and the file button "Choose Files … No file chosen". Every form of the system uses
these instead:

- ``DateField`` / ``DateInput``: a text input for 年-月-日 (YYYY-MM-DD) with the format as
  placeholder and an example in its title. The server checks it (also accepting 2026/3/5, 2026.3.5, 20260305 and 2026年3月5日)
  and refuses anything else with a Chinese message that shows the format. ``static/js/datepicker.js``
  attaches the vendored calendar (static/vendor/air-datepicker, Chinese month and day names set
  there) to every input marked ``data-datepicker``; typing works with or without it.
- ``FileInput``: the native input inside a label styled as a button "选择文件" and a line that
  names the chosen files; ``static/js/filepicker.js`` hides the native input (still focusable)
  and fills the line. Without JavaScript the native input shows as before.
"""
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

DATE_FORMAT = "%Y-%m-%d"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"]
MIN_YEAR, MAX_YEAR = 1900, 2099


class DateInput(forms.DateInput):
    """A text input for YYYY-MM-DD; the calendar picker attaches to ``data-datepicker``."""

    input_type = "text"

    def __init__(self, attrs=None):
        base = {"placeholder": _("年-月-日"), "title": _("请按“年-月-日”填写，例如 2026-03-05"),
                "inputmode": "numeric", "autocomplete": "off", "maxlength": "11", "class": "date",
                "data-datepicker": ""}
        super().__init__(attrs={**base, **(attrs or {})}, format=DATE_FORMAT)


class DateField(forms.DateField):
    """A calendar date typed as 年-月-日; a wrong or impossible date (2026-02-30) gets a Chinese
    message with the expected format, and years outside 1900–2099 are refused as typing slips."""

    widget = DateInput
    input_formats = DATE_INPUT_FORMATS
    default_error_messages = {
        "invalid": _("日期格式不正确：请按“年-月-日”填写，例如 2026-03-05。"),
    }

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
        day = super().to_python(value)
        if isinstance(day, date) and not MIN_YEAR <= day.year <= MAX_YEAR:
            raise ValidationError(_("日期超出范围：年份应在%(min)d年至%(max)d年之间。") % {
                "min": MIN_YEAR, "max": MAX_YEAR}, code="out_of_range")
        return day


class TimeField(forms.TimeField):
    """A time of day typed as 时:分 (HH:MM, 24-hour) in a text input, with a Chinese message."""

    widget = forms.TimeInput(attrs={"placeholder": "HH:MM", "inputmode": "numeric", "autocomplete": "off",
                                    "maxlength": "5", "class": "time"}, format="%H:%M")
    input_formats = ["%H:%M", "%H.%M", "%H：%M"]
    default_error_messages = {"invalid": _("时间格式不正确：请按“时:分”填写（24小时制），例如 09:30。")}

    def to_python(self, value):
        return super().to_python(value.strip() if isinstance(value, str) else value)


class FileInput(forms.FileInput):
    """``<input type="file">`` with a Chinese "选择文件" button and the chosen names beside it."""

    def __init__(self, attrs=None, *, multiple=None):
        if multiple is not None:
            self.allow_multiple_selected = multiple
        super().__init__(attrs={"class": "file-picker-input", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        native = super().render(name, value, attrs, renderer)
        input_id = (attrs or {}).get("id") or self.attrs.get("id") or ""
        return format_html(
            '<span class="file-picker" data-file-picker data-empty="{}" data-many="{}">{}'
            '<label class="btn file-picker-button" for="{}" aria-hidden="true">{}</label>'
            '<span class="file-picker-names" aria-live="polite">{}</span></span>',
            _("未选择文件"), _("已选择 %(n)s 个文件："), native, input_id,
            _("选择文件") if not self.allow_multiple_selected else _("选择文件（可多选）"), _("未选择文件"))
