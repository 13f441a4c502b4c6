"""Forms of the cockpit: the shape of the input only (the services decide the rest)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from accounts.widgets import DateField
from petitions.models import Case, DictEntry, DictKind

from cockpit.domain.rules import DEFAULTS
from cockpit.models import TextCluster, Warning, WarningKind
from cockpit.selectors.deadlines import DEADLINE_BUCKETS, POOL_AGES
from cockpit.selectors.overview import DEFAULT_WINDOW, WINDOWS

NOTE_MAX = 1000


class WindowForm(forms.Form):
    days = forms.TypedChoiceField(label=_("统计窗口"), coerce=int, required=False, empty_value=DEFAULT_WINDOW,
                                  initial=DEFAULT_WINDOW, choices=[(d, _("近%(d)d日") % {"d": d}) for d in WINDOWS])


class DrillForm(forms.Form):
    """The filter of ``cockpit:cases`` (GET): what a figure counted, never personal data."""

    from_ = DateField(required=False)
    to = DateField(required=False)
    area = forms.CharField(required=False, max_length=255)
    self = forms.BooleanField(required=False)
    channel = forms.CharField(required=False, max_length=20)
    problem = forms.ModelChoiceField(queryset=DictEntry.objects.filter(kind=DictKind.PROBLEM), required=False)
    collective = forms.BooleanField(required=False)
    skip = forms.BooleanField(required=False)
    state = forms.ChoiceField(required=False, choices=[("", ""), ("overdue", "overdue"), ("soon", "soon")])
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.all(), required=False)
    charged = forms.BooleanField(required=False)
    matter = forms.ModelChoiceField(queryset=Case.objects.all(), required=False)
    cluster = forms.ModelChoiceField(queryset=TextCluster.objects.all(), required=False)
    warning = forms.ModelChoiceField(queryset=Warning.objects.all(), required=False)
    mine = forms.BooleanField(required=False)
    due = forms.ChoiceField(required=False, choices=[("", "")] + [(k, k) for k, _l in DEADLINE_BUCKETS])
    pool = forms.BooleanField(required=False)
    age = forms.ChoiceField(required=False, choices=[("", "")] + [(k, k) for k, *_r in POOL_AGES])

    def __init__(self, data=None, **kwargs):
        if data is not None and "from" in data:
            data = data.copy()
            data["from_"] = data.get("from")
        super().__init__(data, **kwargs)

    def clean(self):
        data = super().clean()
        data["from"] = data.pop("from_", None)
        return data


class ChargeForm(forms.Form):
    leader = forms.ModelChoiceField(label=_("包案领导"), queryset=None)
    note = forms.CharField(label=_("包案要求"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                           max_length=NOTE_MAX)

    def __init__(self, *args, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders
        self.fields["leader"].label_from_instance = lambda u: f"{u.display_name}（{u.organization.name if u.organization_id else ''}）"


class ChargeEndForm(forms.Form):
    note = forms.CharField(label=_("解除说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           max_length=NOTE_MAX)


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label=_("处置意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                           max_length=NOTE_MAX)


class RulesForm(forms.Form):
    """One threshold and one switch per warning kind."""

    HELP = {
        WarningKind.HOTSPOT: _("热点（近7日件数显著高于前8周，见说明）达到此件数时预警"),
        WarningKind.CLUSTER: _("同一项目、企业、村组或人员在近7日不同信访事项中被提及达到此数时预警"),
        WarningKind.COLLECTIVE: _("登记一次集体访的人数达到此数时立即预警"),
        WarningKind.UNIT_OVERDUE: _("一个承办单位超期未办的件数达到此数时预警"),
    }

    def __init__(self, *args, rules, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in WarningKind.values:
            rule = rules[kind]
            self.fields[f"{kind}_threshold"] = forms.IntegerField(
                label=WarningKind(kind).label, min_value=1, max_value=100000, initial=rule["threshold"],
                help_text=self.HELP[kind], widget=forms.NumberInput(attrs={"placeholder": DEFAULTS[kind]}))
            self.fields[f"{kind}_enabled"] = forms.BooleanField(label=_("启用"), required=False,
                                                                initial=rule["enabled"])

    def values(self):
        return {kind: (self.cleaned_data[f"{kind}_threshold"], self.cleaned_data[f"{kind}_enabled"])
                for kind in WarningKind.values}

    def rows(self):
        return [(self[f"{kind}_threshold"], self[f"{kind}_enabled"]) for kind in WarningKind.values]
