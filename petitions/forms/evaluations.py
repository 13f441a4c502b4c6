"""代录评价: the evaluation a staff member records from a 回访 call (input shape only)."""
from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.widgets import DateField, TimeField
from petitions.models import EvaluationTarget, Satisfaction

RATING_CHOICES = [("", "—")] + list(Satisfaction.choices)


class EvaluationRecordForm(forms.Form):
    called_day = DateField(label=_("回访日期"))
    called_time = TimeField(label=_("回访时间"))
    callee = forms.CharField(label=_("回访对象"), max_length=50, help_text=_("接听电话的人，如“信访人本人”"))
    comment = forms.CharField(label=_("评价内容"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = list(targets)
        for target in self.targets:
            self.fields[f"rating_{target}"] = forms.ChoiceField(
                label=_("对%(target)s的评价") % {"target": EvaluationTarget(target).label}, choices=RATING_CHOICES,
                required=False)

    def clean(self):
        cleaned = super().clean()
        day, moment = cleaned.get("called_day"), cleaned.get("called_time")
        if day is not None and moment is not None:
            cleaned["called_at"] = timezone.make_aware(datetime.combine(day, moment))
        return cleaned

    def ratings(self):
        return {t: self.cleaned_data.get(f"rating_{t}") for t in self.targets if self.cleaned_data.get(f"rating_{t}")}
