"""Forms of the dictionary administration page: input shape only, the service decides."""
from django import forms
from django.utils.translation import gettext_lazy as _

from petitions.models import DictEntry, DictKind


class DictKindForm(forms.Form):
    """Which coded list to show (GET)."""

    kind = forms.ChoiceField(label=_("字典"), choices=DictKind.choices, initial=DictKind.PURPOSE)


class ParentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        label = obj.label_with_parent
        return label if obj.is_active else f"{label}（{_('停用')}）"


class DictEntryForm(forms.Form):
    code = forms.RegexField(label=_("代码"), max_length=20, regex=r"^[0-9A-Za-z_.-]+$",
                            error_messages={"invalid": _("代码只能包含字母、数字和 _ . -。")})
    name = forms.CharField(label=_("名称"), max_length=100)
    parent = ParentChoiceField(label=_("上级"), queryset=DictEntry.objects.none(), required=False,
                               empty_label=_("（无，作为一级）"))
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, max_value=999999, initial=0)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, kind, tree, entry=None, **kwargs):
        """``tree``: whether the list has levels (所属问题); otherwise the parent field is dropped.
        When editing, the entry itself is left out of the parent choices (the service also
        refuses moving an entry under its own descendants)."""
        super().__init__(*args, **kwargs)
        if not tree:
            del self.fields["parent"]
            return
        parents = DictEntry.objects.filter(kind=kind).select_related("parent").order_by("level", "sort_order", "code")
        if entry is not None:
            parents = parents.exclude(pk=entry.pk)
        self.fields["parent"].queryset = parents
