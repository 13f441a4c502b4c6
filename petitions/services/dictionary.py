"""Writes to the coded lists (信访目的, 所属问题 tree, 民族 ...).

An entry that anything points at (a case, a petitioner, a lower-level entry) is never
deleted: ``dictionary_entry_delete`` deactivates it instead and says so, so that old cases
keep their coded values while the entry disappears from new forms (docs/architecture.md §3).
"""
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import NotAllowed, ServiceError

from petitions.models import DictEntry, DictKind

MANAGE_PERMISSION = "petitions.manage_dictionary"

# Only these lists are trees; every other list is flat.
TREE_KINDS = frozenset({DictKind.PROBLEM})
MAX_LEVEL = 3

EDITABLE_FIELDS = ("code", "name", "parent", "sort_order", "note")


@dataclass(frozen=True)
class DeleteOutcome:
    """What ``dictionary_entry_delete`` did: ``deleted`` or deactivated, and the message to show."""

    deleted: bool
    message: str


def _require(actor):
    if not actor.has_perm(MANAGE_PERMISSION):
        raise NotAllowed(_("您没有管理基础字典的权限。"))


def _descendant_ids(entry):
    """Primary keys of every entry below ``entry`` (the lists are small; one query per level)."""
    found = []
    frontier = [entry.pk]
    while frontier:
        frontier = list(DictEntry.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        found.extend(frontier)
    return found


def _reference_relations():
    """Every relation that points at DictEntry: reverse FKs (also hidden ``related_name="+"``
    ones, which ``_meta.related_objects`` leaves out) and many-to-many fields. The rows of
    an auto-created M2M table are covered by the M2M relation itself."""
    relations = []
    for rel in DictEntry._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one or rel.many_to_many)):
            continue
        if rel.related_model._meta.auto_created:
            continue
        relations.append(rel)
    return relations


def dictionary_entry_references(entry):
    """Where ``entry`` is used: a list of Chinese descriptions such as "信访件（所属问题）".

    Empty when nothing refers to it, i.e. it can be deleted."""
    found = []
    for rel in _reference_relations():
        model = rel.related_model
        if model._base_manager.filter(**{rel.field.name: entry}).exists():
            if model is DictEntry:
                found.append(str(_("下级字典项")))
            else:
                found.append(f"{model._meta.verbose_name}（{rel.field.verbose_name}）")
    return found


def _validate_parent(*, kind, parent, entry):
    if parent is None:
        return 1
    if kind not in TREE_KINDS:
        raise ServiceError(_("该字典不是树形结构，不能设置上级。"), code="dictionary_flat", field="parent")
    if parent.kind != kind:
        raise ServiceError(_("上级必须属于同一字典。"), code="dictionary_parent_kind", field="parent")
    if entry is not None and (parent.pk == entry.pk or parent.pk in _descendant_ids(entry)):
        raise ServiceError(_("不能把字典项移到它自己或它的下级之下。"), code="dictionary_parent_cycle",
                           field="parent")
    if parent.level >= MAX_LEVEL:
        raise ServiceError(_("所属问题最多分%(n)d级。") % {"n": MAX_LEVEL}, code="dictionary_too_deep", field="parent")
    return parent.level + 1


def _relevel_subtree(entry):
    """After a move, keep ``level`` of every descendant equal to its depth in the tree."""
    frontier = [entry]
    while frontier:
        next_frontier = []
        for node in frontier:
            children = list(DictEntry.objects.filter(parent=node))
            for child in children:
                if child.level != node.level + 1:
                    child.level = node.level + 1
                    child.save(update_fields=["level"])
            next_frontier.extend(children)
        frontier = next_frontier
    if DictEntry.objects.filter(pk__in=_descendant_ids(entry), level__gt=MAX_LEVEL).exists():
        raise ServiceError(_("所属问题最多分%(n)d级。") % {"n": MAX_LEVEL}, code="dictionary_too_deep", field="parent")


@transaction.atomic
def dictionary_entry_save(*, actor, kind, code, name, parent=None, sort_order=0, note="", entry=None,
                          request=None):
    """Create an entry of ``kind`` (``entry`` is None) or update ``entry``.

    Preconditions: ``actor`` holds petitions.manage_dictionary (else NotAllowed); the code is
    unique within the list; a parent is allowed only in tree lists (所属问题), must belong to
    the same list, may not be the entry itself or one of its descendants, and the tree is at
    most MAX_LEVEL deep. The list of an existing entry cannot change. Raises ServiceError
    (with ``field``) otherwise and writes nothing.
    Audit: ``dictionary.create`` or ``dictionary.update`` with the changed fields.
    """
    _require(actor)
    if kind not in DictKind.values:
        raise ServiceError(_("未知的字典类别。"), code="dictionary_kind_unknown", field="kind")
    code = (code or "").strip()
    name = (name or "").strip()
    if not code:
        raise ServiceError(_("请填写代码。"), code="dictionary_code_required", field="code")
    if not name:
        raise ServiceError(_("请填写名称。"), code="dictionary_name_required", field="name")
    if entry is not None:
        entry = DictEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.kind != kind:
            raise ServiceError(_("字典项不能移到其他字典。"), code="dictionary_kind_changed", field="kind")
    clash = DictEntry.objects.filter(kind=kind, code=code)
    if entry is not None:
        clash = clash.exclude(pk=entry.pk)
    if clash.exists():
        raise ServiceError(_("代码“%(code)s”在该字典中已存在。") % {"code": code}, code="dictionary_code_taken",
                           field="code")
    level = _validate_parent(kind=kind, parent=parent, entry=entry)
    values = {"code": code, "name": name, "parent": parent, "sort_order": sort_order, "note": note or ""}

    if entry is None:
        entry = DictEntry(kind=kind, level=level, **values)
        entry.full_clean()
        entry.save()
        audit_record(action="dictionary.create", actor=actor, target=entry, request=request,
                     summary=_("新增字典项 %(kind)s：%(name)s") % {"kind": entry.get_kind_display(), "name": name},
                     data={"kind": kind, "code": code, "parent": parent.code if parent else None})
        return entry

    changes = {}
    for field, new in values.items():
        old = getattr(entry, field)
        if old != new:
            if field == "parent":
                changes[field] = [old.code if old else None, new.code if new else None]
            else:
                changes[field] = [old, new]
            setattr(entry, field, new)
    if not changes:
        return entry
    moved = "parent" in changes
    entry.level = level
    entry.full_clean()
    entry.save()
    if moved:
        _relevel_subtree(entry)
    audit_record(action="dictionary.update", actor=actor, target=entry, request=request,
                 summary=_("修改字典项 %(kind)s：%(name)s") % {"kind": entry.get_kind_display(), "name": entry.name},
                 data={"kind": kind, "code": entry.code, "changes": changes})
    return entry


@transaction.atomic
def dictionary_entry_set_active(*, actor, entry, active, request=None):
    """Activate or deactivate an entry.

    Deactivating also deactivates every entry below it (a retired category's subcategories
    must not be offered either). Activating requires the parent to be active, else
    ServiceError. Existing cases keep their values either way.
    Audit: ``dictionary.activate`` / ``dictionary.deactivate`` with the affected codes.
    """
    _require(actor)
    entry = DictEntry.objects.select_for_update().get(pk=entry.pk)
    if active:
        if entry.parent_id and not entry.parent.is_active:
            raise ServiceError(_("上级“%(name)s”已停用，请先启用上级。") % {"name": entry.parent.name},
                               code="dictionary_parent_inactive")
        affected = [entry.pk] if not entry.is_active else []
    else:
        affected = list(DictEntry.objects.filter(pk__in=[entry.pk, *_descendant_ids(entry)], is_active=True)
                        .values_list("pk", flat=True))
    if not affected:
        return entry
    codes = sorted(DictEntry.objects.filter(pk__in=affected).values_list("code", flat=True))
    DictEntry.objects.filter(pk__in=affected).update(is_active=active)
    entry.refresh_from_db()
    audit_record(action="dictionary.activate" if active else "dictionary.deactivate", actor=actor, target=entry,
                 request=request,
                 summary=(_("启用字典项 %(kind)s：%(name)s") if active else _("停用字典项 %(kind)s：%(name)s"))
                 % {"kind": entry.get_kind_display(), "name": entry.name},
                 data={"kind": entry.kind, "codes": codes})
    return entry


@transaction.atomic
def dictionary_entry_delete(*, actor, entry, request=None):
    """Delete an entry nobody refers to; otherwise deactivate it (and its subtree) instead.

    "Referred to" means any row of any model points at it (every such FK is PROTECT, and the
    many-to-many 异常行为 would otherwise silently lose its rows) or it has lower-level
    entries. The check runs first; a ProtectedError/IntegrityError from the delete itself
    (a reference added concurrently) is caught inside a savepoint and also ends in
    deactivation. Returns a ``DeleteOutcome`` whose message tells the user what happened.
    Audit: ``dictionary.delete``, or ``dictionary.deactivate`` with the reason.
    """
    _require(actor)
    entry = DictEntry.objects.select_for_update().get(pk=entry.pk)
    kind_label, name, code, kind, pk = entry.get_kind_display(), entry.name, entry.code, entry.kind, entry.pk
    references = dictionary_entry_references(entry)
    if not references:
        try:
            with transaction.atomic():
                entry.delete()
        except (ProtectedError, IntegrityError):
            references = [str(_("其他数据"))]
    if not references:
        audit_record(action="dictionary.delete", actor=actor, request=request,
                     summary=_("删除字典项 %(kind)s：%(name)s") % {"kind": kind_label, "name": name},
                     data={"kind": kind, "code": code, "id": pk})
        return DeleteOutcome(deleted=True, message=_("字典项“%(name)s”已删除。") % {"name": name})

    entry = DictEntry.objects.get(pk=pk)
    was_active = entry.is_active
    descendants = DictEntry.objects.filter(pk__in=_descendant_ids(entry), is_active=True).count()
    dictionary_entry_set_active(actor=actor, entry=entry, active=False, request=request)
    used_by = "、".join(references)
    if not was_active and not descendants:
        message = _("字典项“%(name)s”已被%(used_by)s引用，不能删除；它已处于停用状态。") % {
            "name": name, "used_by": used_by}
    elif descendants:
        message = _("字典项“%(name)s”已被%(used_by)s引用，不能删除，已改为停用（其%(n)d个下级项一并停用）。") % {
            "name": name, "used_by": used_by, "n": descendants}
    else:
        message = _("字典项“%(name)s”已被%(used_by)s引用，不能删除，已改为停用。") % {"name": name, "used_by": used_by}
    return DeleteOutcome(deleted=False, message=message)
