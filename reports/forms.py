"""Forms of the statistics pages: period, source and organization scope (GET), the report date,
and the sign-off names a statistician keeps (POST)."""
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts.widgets import DateField
from reports import selectors as s
from reports.definitions import KPI_CHOICES
from reports.models import SIGNER_MAX_LENGTH

MAX_DAYS = 366 * 10


class ScopeForm(forms.Form):
    """GET form; ``scope()`` returns a ``selectors.Scope`` once valid.

    Defaults (no query string): this year so far, all sources, the user's own jurisdiction.
    """

    start = DateField(label=_("开始日期"))
    end = DateField(label=_("结束日期"))
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
        d = self.cleaned_data
        return urlencode({"start": d["start"].isoformat(), "end": d["end"].isoformat(),
                          "source": d["source"], "org": d["org"].pk})


class ReportForm(ScopeForm):
    """A report's GET form: the scope and the 报出日期 its form block prints (today by default)."""

    report_date = DateField(label=_("报出日期"))

    def defaults(self, root):
        return {**super().defaults(root), "report_date": timezone.localdate().isoformat()}

    def query_string(self):
        return super().query_string() + "&" + urlencode({"report_date": self.cleaned_data["report_date"].isoformat()})


class KpiForm(ReportForm):
    rank_by = forms.ChoiceField(label=_("排名指标"), choices=KPI_CHOICES, initial="hdl_pct")

    def defaults(self, root):
        return {**super().defaults(root), "rank_by": "hdl_pct"}

    def query_string(self):
        return super().query_string() + "&" + urlencode({"rank_by": self.cleaned_data["rank_by"]})


class SignersForm(forms.Form):
    """单位负责人 and 填表人 printed under the statistician's reports (remembered for his next ones)."""

    unit_head = forms.CharField(label=_("单位负责人"), required=False, max_length=SIGNER_MAX_LENGTH)
    preparer = forms.CharField(label=_("填表人"), required=False, max_length=SIGNER_MAX_LENGTH)
