"""Rows of a case and its workflow records as they travel between instances (docs/architecture.md §6.2).

A row is written field by field from the model: an organization as its code (instances share the
organization tree and its codes), a dictionary entry as ``"<kind>:<code>"``, a date or time in ISO
form, personal data as plain values (the receiver encrypts them with its own field key, see
``petitions.models.fields``); people are not carried (users are local: the receiver names the
organization's exchange account where a person is required). Links between the records of one case
travel as exchange keys (``petitions.services.instance_outbox.key_of``).

Reading a row back (``row_values``) checks every field before anything is written: an unknown
field (the two instances run different versions), an organization or dictionary entry this
instance does not have, or a malformed date is a ``RowError`` naming the field.
"""
from datetime import date, datetime

from django.db import models
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User

from petitions.models import (
    Assignment, Case, DictEntry, Evaluation, ExtensionRequest, Petitioner, ReviewRequest, Supervision,
)

# Fields that are this instance's own business (numbers of its rows, who typed what, derived search
# text, timestamps of the row itself) or that travel in another form (the case's links).
SKIP = {
    Case: {"id", "registered_by", "submit_token", "search_tokens", "created_at", "updated_at", "registered_path",
           "first_case", "reported_leader"},
    Petitioner: {"id", "case"},
    Assignment: {"id", "case", "parent", "assigned_by", "org_path"},
    ExtensionRequest: {"id", "assignment", "requested_by", "decided_by"},
    Supervision: {"id", "case", "ordered_by", "feedback_by"},
    ReviewRequest: {"id", "case"},
    Evaluation: {"id", "case", "recorded_by"},
}


class RowError(ValueError):
    """A row that cannot be read back here: ``field`` names the field, ``message`` says why."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


class Codes:
    """Organization and dictionary codes both ways, loaded once (a few thousand rows at most)."""

    def __init__(self):
        self._org_code = None
        self._dict = None

    def _orgs(self):
        if self._org_code is None:
            rows = list(OrgUnit.objects.values_list("id", "code", "path"))
            self._org_code = {pk: code for pk, code, _path in rows}
            self.org_id = {code: pk for pk, code, _path in rows}
            self.org_path = {code: path for _pk, code, path in rows}
        return self._org_code

    def _dicts(self):
        if self._dict is None:
            rows = list(DictEntry.objects.values_list("id", "kind", "code"))
            self._dict = {pk: f"{kind}:{code}" for pk, kind, code in rows}
            self.dict_id = {f"{kind}:{code}": pk for pk, kind, code in rows}
        return self._dict

    def org(self, pk):
        return self._orgs().get(pk) if pk else None

    def org_pk(self, code):
        self._orgs()
        return self.org_id.get(code)

    def path(self, code):
        self._orgs()
        return self.org_path.get(code)

    def entry(self, pk):
        return self._dicts().get(pk) if pk else None

    def entry_pk(self, ref):
        self._dicts()
        return self.dict_id.get(ref)


def _fields(model):
    skip = SKIP.get(model, {"id"})
    return [f for f in model._meta.concrete_fields if f.name not in skip]


def row_dump(obj, codes):
    """The travelling form of ``obj`` (see the module docstring)."""
    out = {}
    for f in _fields(type(obj)):
        value = getattr(obj, f.attname)
        if f.is_relation:
            target = f.related_model
            if target is OrgUnit:
                out[f.name] = codes.org(value)
            elif target is DictEntry:
                out[f.name] = codes.entry(value)
            # users and other links are left out (SKIP lists the ones that travel another way)
            continue
        if isinstance(value, (date, datetime)):
            value = value.isoformat()
        out[f.name] = value
    return out


def _parse(f, value):
    if value is None:
        return None
    if isinstance(f, models.DateTimeField):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive datetime")
        return parsed
    if isinstance(f, models.DateField):
        return date.fromisoformat(value)
    return value


def row_values(model, row, codes):
    """Model field values (``<name>_id`` for links) for ``row``; raises ``RowError``."""
    if not isinstance(row, dict):
        raise RowError("", _("数据行格式有误"))
    fields = {f.name: f for f in _fields(model)}
    unknown = sorted(set(row) - set(fields))
    if unknown:
        raise RowError(unknown[0], _("本系统没有字段“%(field)s”（两端系统版本不一致）") % {"field": unknown[0]})
    values = {}
    for name, value in row.items():
        f = fields[name]
        if f.is_relation:
            target = f.related_model
            if target is User or value is None:
                values[f.attname] = None
            elif target is OrgUnit:
                pk = codes.org_pk(value)
                if pk is None:
                    raise RowError(name, _("本系统没有机构代码 %(code)s") % {"code": value})
                values[f.attname] = pk
            elif target is DictEntry:
                pk = codes.entry_pk(value)
                if pk is None:
                    raise RowError(name, _("本系统的字典中没有 %(code)s") % {"code": value})
                values[f.attname] = pk
            continue
        try:
            values[f.attname] = _parse(f, value)
        except (TypeError, ValueError):
            raise RowError(name, _("“%(field)s”的值格式有误") % {"field": name}) from None
        if f.choices and value not in (None, "") and value not in {c[0] for c in f.flatchoices}:
            raise RowError(name, _("“%(field)s”的值 %(value)s 无效") % {"field": name, "value": str(value)[:40]})
    return values
