"""Forms of the 节假日安排 page (petitions/views/calendar.py)."""
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.widgets import DateField, FileInput

MAX_UPLOAD_BYTES = 256 * 1024


class CalendarDayForm(forms.Form):
    """One day or a block of days as the State Council notice lists them."""

    start = DateField(label=gettext_lazy("日期"))
    end = DateField(label=gettext_lazy("至"), required=False,
                          help_text=gettext_lazy("连续多天时填写最后一天（含），一次最多31天"))
    is_workday = forms.TypedChoiceField(
        label=gettext_lazy("安排"), coerce=lambda value: value == "1", empty_value=None,
        choices=[("0", gettext_lazy("休息（法定节假日）")), ("1", gettext_lazy("上班（调休）"))])
    name = forms.CharField(label=gettext_lazy("名称"), max_length=50,
                           help_text=gettext_lazy("如：春节、国庆节、调休上班"))
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


class CalendarImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV文件"), widget=FileInput(attrs={"accept": ".csv,text/csv"}), help_text=gettext_lazy(
        "每行：日期,是否工作日,名称[,说明]，如 2026-10-01,0,国庆节；1表示上班，0表示休息。UTF-8或GBK编码。"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大（最多256KB）。"))
        return upload
