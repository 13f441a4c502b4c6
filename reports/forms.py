"""Filter forms of the statistics pages: period (date pickers), source and organization scope."""
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports import selectors as s
from reports.definitions import KPI_CHOICES

MAX_DAYS = 366 * 10


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ScopeForm(forms.Form):
    """GET form; ``scope()`` returns a ``selectors.Scope`` once valid.

    Defaults (no query string): this year so far, all sources, the user's own jurisdiction.
    """

    start = forms.DateField(label=_("开始日期"), widget=DateInput())
    end = forms.DateField(label=_("结束日期"), widget=DateInput())
    source = forms.ChoiceField(label=_("信访来源"), choices=s.SOURCE_CHOICES, initial=s.SOURCE_ALL)
    org = forms.ModelChoiceField(label=_("统计范围"), queryset=None, empty_label=None)

    def __init__(self, user, data=None, **kwargs):
        self.user = user
        root = s.statistics_root(user)
        merged = self.defaults(root)
        if data:
            merged.update({k: v for k, v in data.items() if k in merged and v not in ("", None)})
        super().__init__(merged, **kwargs)
        self.fields["org"].queryset = s.statistics_org_choices(user)
        self.fields["org"].label_from_instance = lambda o: ("　" * max(0, o.depth - (root.depth if root else 1))) + o.name

    def defaults(self, root):
        today = timezone.localdate()
        return {"start": date(today.year, 1, 1).isoformat(), "end": today.isoformat(),
                "source": s.SOURCE_ALL, "org": root.pk if root else ""}

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("结束日期不能早于开始日期。"))
            elif (end - start).days > MAX_DAYS:
                self.add_error("end", _("统计期间不能超过十年。"))
        return data

    def scope(self):
        d = self.cleaned_data
        return s.Scope(org=d["org"], period=s.Period(d["start"], d["end"]), source=d["source"])

    def query_string(self):
        """The cleaned values as a query string (links to exports and chart images)."""
        from django.utils.http import urlencode

        d = self.cleaned_data
        return urlencode({"start": d["start"].isoformat(), "end": d["end"].isoformat(),
                          "source": d["source"], "org": d["org"].pk})


class KpiForm(ScopeForm):
    rank_by = forms.ChoiceField(label=_("排名指标"), choices=KPI_CHOICES, initial="hdl_pct")

    def defaults(self, root):
        return {**super().defaults(root), "rank_by": "hdl_pct"}

    def query_string(self):
        from django.utils.http import urlencode

        return super().query_string() + "&" + urlencode({"rank_by": self.cleaned_data["rank_by"]})
