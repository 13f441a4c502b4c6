"""The duty roster's form (值班表): who is on duty from when to when. Shape only; the rules are
``petitions.services.urgent.duty_shift_save``'s."""
from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.widgets import DateField, TimeField


class DutyShiftForm(forms.Form):
    user = forms.ModelChoiceField(label=_("值班人员"), queryset=User.objects.none())
    start_day = DateField(label=_("开始日期"))
    start_time = TimeField(label=_("开始时间"))
    end_day = DateField(label=_("结束日期"))
    end_time = TimeField(label=_("结束时间"))
    note = forms.CharField(label=_("备注"), max_length=100, required=False, help_text=_("如：带班领导、值班电话"))

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = lambda u: f"{u.display_name}（{u.organization}）"

    def service_data(self):
        data = self.cleaned_data
        return {
            "user": data["user"],
            "starts_at": timezone.make_aware(datetime.combine(data["start_day"], data["start_time"])),
            "ends_at": timezone.make_aware(datetime.combine(data["end_day"], data["end_time"])),
            "note": data.get("note", ""),
        }
