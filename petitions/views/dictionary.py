"""Dictionary administration (基础字典): pick a list, see its entries, add/edit/(de)activate/delete.

HTTP in, ``petitions.services.dictionary`` call, HTTP out.
"""
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.exceptions import ServiceError
from accounts.forms import form_add_service_error

from petitions.forms.dictionary import DictEntryForm, DictKindForm
from petitions.models import DictEntry, DictKind
from petitions.selectors import dictionary_entries_tree
from petitions.services.dictionary import (
    MAX_LEVEL, TREE_KINDS, dictionary_entry_delete, dictionary_entry_save, dictionary_entry_set_active,
)

PERMISSION = "petitions.manage_dictionary"


def _kind_or_default(value):
    return value if value in DictKind.values else DictKind.PURPOSE


def _list_url(kind):
    return f"{reverse('petitions:dictionary_list')}?kind={kind}"


def _breadcrumbs(kind=None, label=None):
    crumbs = [(_("基础字典"), reverse("petitions:dictionary_list"))]
    if kind is not None:
        crumbs.append((DictKind(kind).label, _list_url(kind)))
    if label is not None:
        crumbs.append((label, None))
    return crumbs


@permission_required(PERMISSION, raise_exception=True)
def dictionary_list(request):
    kind = _kind_or_default(request.GET.get("kind"))
    return render(request, "petitions/dictionary_list.html", {
        "kind": kind,
        "kind_label": DictKind(kind).label,
        "kinds": DictKind.choices,
        "kind_form": DictKindForm(initial={"kind": kind}),
        "entries": dictionary_entries_tree(kind),
        "is_tree": kind in TREE_KINDS,
        "max_level": MAX_LEVEL,
        "page_title": _("基础字典"),
        "breadcrumbs": _breadcrumbs(kind),
    })


def _entry_form_page(request, *, kind, entry=None):
    tree = kind in TREE_KINDS
    initial = {}
    if entry is not None:
        initial = {"code": entry.code, "name": entry.name, "parent": entry.parent_id,
                   "sort_order": entry.sort_order, "note": entry.note}
    elif tree and request.GET.get("parent"):
        initial = {"parent": request.GET["parent"]}
    form = DictEntryForm(request.POST or None, kind=kind, tree=tree, entry=entry, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = dictionary_entry_save(actor=request.user, kind=kind, entry=entry, code=data["code"],
                                          name=data["name"], parent=data.get("parent"),
                                          sort_order=data["sort_order"], note=data["note"], request=request)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("字典项“%(name)s”已保存。") % {"name": saved.name})
            return redirect(_list_url(kind))
    label = _("编辑字典项") if entry is not None else _("新增字典项")
    return render(request, "petitions/dictionary_form.html", {
        "form": form, "entry": entry, "kind": kind, "kind_label": DictKind(kind).label,
        "page_title": label, "breadcrumbs": _breadcrumbs(kind, label), "list_url": _list_url(kind),
    })


@permission_required(PERMISSION, raise_exception=True)
def dictionary_create(request):
    kind = request.GET.get("kind")
    if kind not in DictKind.values:
        raise Http404
    return _entry_form_page(request, kind=kind)


@permission_required(PERMISSION, raise_exception=True)
def dictionary_edit(request, pk):
    entry = get_object_or_404(DictEntry, pk=pk)
    return _entry_form_page(request, kind=entry.kind, entry=entry)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def dictionary_set_active(request, pk):
    entry = get_object_or_404(DictEntry, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        entry = dictionary_entry_set_active(actor=request.user, entry=entry, active=active, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        template = _("字典项“%(name)s”已启用。") if active else _("字典项“%(name)s”已停用。")
        messages.success(request, template % {"name": entry.name})
    return redirect(_list_url(entry.kind))


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def dictionary_delete(request, pk):
    entry = get_object_or_404(DictEntry, pk=pk)
    kind = entry.kind
    outcome = dictionary_entry_delete(actor=request.user, entry=entry, request=request)
    if outcome.deleted:
        messages.success(request, outcome.message)
    else:
        messages.warning(request, outcome.message)
    return redirect(_list_url(kind))
