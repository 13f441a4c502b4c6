"""Forms of the 信访情况年度报告 page: which organization and year (GET), and the text sections (POST)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from petitions import clock

from reports import selectors as s
from reports.annual import SECTIONS, TEXT_MAX

FIRST_YEAR = 2000


class AnnualForm(forms.Form):
    org = forms.ModelChoiceField(label=_("报告单位"), queryset=None, empty_label=None)
    year = forms.IntegerField(label=_("年度"), min_value=FIRST_YEAR)

    def __init__(self, user, data=None, **kwargs):
        root = s.statistics_root(user)
        merged = {"org": root.pk if root else "", "year": clock.today().year - 1}
        if data:
            merged.update({k: v for k, v in data.items() if k in merged and v not in ("", None)})
        super().__init__(merged, **kwargs)
        self.fields["org"].queryset = s.statistics_org_choices(user)
        self.fields["org"].label_from_instance = lambda o: o.name

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > clock.today().year:
            raise forms.ValidationError(_("年度不能晚于今年。"))
        return year


class AnnualTextForm(forms.Form):
    """The editable sections, one text area each, in the report's order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field, heading in SECTIONS:
            self.fields[field] = forms.CharField(label=heading, required=False, max_length=TEXT_MAX,
                                                 widget=forms.Textarea(attrs={"rows": 5}))
