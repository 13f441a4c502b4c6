"""The triage pool's filter form (分流池).

The pool is the most opened list, and its filter form carries three long option lists: 信访目的,
the 所属问题 tree and the organizations of the user's jurisdiction. They are read as plain rows
on every request (two small queries, no model instances, no server-side cursor), and the
<option> markup of each distinct list is built once and kept in the process
(``_options_html``). The key is the list itself — every value and label — so a renamed or
deactivated entry, an organization list of another jurisdiction or another interface language
is simply another key: nothing has to be invalidated, and no user is ever shown a list built
for someone else's scope.
"""
from functools import lru_cache

from django import forms
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.selectors import org_scope_choices
from accounts.widgets import DateField

from petitions.models import Channel, DictEntry, DictKind
from petitions.forms.intake import DictChoiceField, OrgChoiceField

YES_NO_ANY = [("", _("全部")), ("1", _("是")), ("0", _("否"))]

# Distinct option lists kept per process: a few dictionaries x languages plus one organization
# list per jurisdiction in use; an evicted list is simply built again.
OPTION_LISTS_KEPT = 128


@lru_cache(maxsize=OPTION_LISTS_KEPT)
def _options_html(choices):
    """The <option>s of ``choices`` (a tuple of (value, label) strings), none selected."""
    return "".join(format_html('<option value="{}">{}</option>', value, label) for value, label in choices)


def _attrs_html(attrs):
    """Attributes in the order and form of Django's ``attrs.html`` (True: bare, False: left out)."""
    return mark_safe("".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items() if value is not False))


class PreparedSelect(forms.Select):
    """A native <select>, the same markup as Django's ``Select`` (without its whitespace), for
    flat lists of plain (value, label) choices; the options come from ``_options_html`` and the
    selected one is marked on the finished markup."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = tuple((str(v if v is not None else ""), str(label)) for v, label in self.choices)
        options = _options_html(choices)
        values = {v for v, _label in choices}
        for selected in self.format_value(value):
            if selected in values:  # the first match only, as Select does
                tag = format_html('<option value="{}"', selected)
                options = options.replace(f"{tag}>", f"{tag} selected>", 1)
                break
        return format_html('<select name="{}"{}>{}</select>', name, _attrs_html(self.build_attrs(self.attrs, attrs)),
                           mark_safe(options))


def _dictionary_choices():
    """Active 信访目的 and 所属问题 entries as {kind: [(id, label)]}, in one query.

    Labels and order are those of ``DictChoiceField``: "code name" in (sort, code) order for
    the flat list; "一级 / 二级" depth-first for the tree (for a flat list the tree order is
    the same order, since codes are unique within a kind)."""
    rows = (DictEntry.objects.filter(kind__in=[DictKind.PURPOSE, DictKind.PROBLEM], is_active=True)
            .annotate(top_sort=Coalesce(F("parent__sort_order"), F("sort_order")),
                      top_code=Coalesce(F("parent__code"), F("code")))
            .order_by("kind", "top_sort", "top_code", "level", "sort_order", "code")
            .values_list("kind", "id", "code", "name", "parent__name"))
    choices = {DictKind.PURPOSE: [], DictKind.PROBLEM: []}
    for kind, pk, code, name, parent_name in rows:
        if kind == DictKind.PROBLEM:
            label = f"{parent_name} / {name}" if parent_name is not None else name
        else:
            label = f"{code} {name}"
        choices[kind].append((pk, label))
    return choices


class PoolFilterForm(forms.Form):
    date_from = DateField(label=_("登记日期从"), required=False)
    date_to = DateField(label=_("至"), required=False)
    channel = forms.ChoiceField(label=_("信访形式"), required=False, choices=[("", _("全部"))] + list(Channel.choices),
                                widget=PreparedSelect)
    purpose = DictChoiceField(DictKind.PURPOSE, label=_("信访目的"), required=False, empty_label=_("全部"),
                              widget=PreparedSelect)
    problem = DictChoiceField(DictKind.PROBLEM, tree=True, label=_("所属问题"), required=False, empty_label=_("全部"),
                              widget=PreparedSelect)
    org = OrgChoiceField(label=_("机构"), required=False, empty_label=_("全部"), widget=PreparedSelect)
    is_repeat = forms.ChoiceField(label=_("是否重访"), required=False, choices=YES_NO_ANY, widget=PreparedSelect)
    is_collective = forms.ChoiceField(label=_("集体访/联名信"), required=False, choices=YES_NO_ANY,
                                      widget=PreparedSelect)
    overdue = forms.BooleanField(label=_("仅看已超期"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        org = self.fields["org"]
        # The queryset validates a submitted organization (it must be in the user's scope);
        # the rendered list is read from the same selector as plain rows.
        org.queryset = org_scope_choices(user).order_by("path")
        org.widget.choices = [("", org.empty_label)] + [
            (pk, f"{code} {name}") for pk, code, name in org.queryset.values_list("id", "code", "name")]
        dictionaries = _dictionary_choices()
        for name, kind in (("purpose", DictKind.PURPOSE), ("problem", DictKind.PROBLEM)):
            field = self.fields[name]
            field.widget.choices = [("", field.empty_label)] + dictionaries[kind]

    def filters(self):
        """Keyword arguments for ``petitions.selectors.pool.pool_filter`` (invalid fields are ignored)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})

        def yes_no(name):
            value = data.get(name)
            return None if value in (None, "") else value == "1"

        return {
            "date_from": data.get("date_from"), "date_to": data.get("date_to"), "channel": data.get("channel") or "",
            "purpose": data.get("purpose"), "problem": data.get("problem"), "org": data.get("org"),
            "is_repeat": yes_no("is_repeat"), "is_collective": yes_no("is_collective"),
            "overdue": bool(data.get("overdue")),
        }
