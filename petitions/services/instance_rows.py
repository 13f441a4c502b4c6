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

A trail entry whose step is taken again on the other side carries the rows that step needs there
(``event_rows``): the hearing of 安排听证 / 听证结论 (place, participants, chair, minutes), the
agreement of 调解和解 (parties, text) and, for 更正登记, the corrected values in travelling form.
The identity number, phone and address a correction changed are kept encrypted (the trail's own
tokens) until the package is written; ``correction_complete`` then adds them in clear, as a copy's
petitioners are added, so the outbox holds no personal data in clear.
"""
from datetime import date, datetime

from django.db import models
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User

from petitions.lib import fieldcrypt
from petitions.models import (
    Assignment, Case, DictEntry, Evaluation, ExtensionRequest, Hearing, Mediation, Petitioner, ReviewRequest,
    Supervision,
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
    Hearing: {"id", "case", "review", "created_by", "concluded_by"},
    Mediation: {"id", "case", "recorded_by"},
}
# Petitioner fields a correction's trail keeps as tokens of this instance's field key, and how to
# read them back (petitions/services/corrections.py ``ENCRYPTED``).
PERSON_TOKENS = {"id_number": fieldcrypt.decrypt, "phone": fieldcrypt.decrypt, "address": fieldcrypt.unseal}


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


def _dump_value(f, value, codes):
    """(True, travelling form) of one field's value, or (False, None) for a link that does not travel."""
    if f.is_relation:
        target = f.related_model
        if target is OrgUnit:
            return True, codes.org(value)
        if target is DictEntry:
            return True, codes.entry(value)
        # users and other links are left out (SKIP lists the ones that travel another way)
        return False, None
    if isinstance(value, (date, datetime)):
        value = value.isoformat()
    return True, value


def row_dump(obj, codes):
    """The travelling form of ``obj`` (see the module docstring)."""
    out = {}
    for f in _fields(type(obj)):
        travels, value = _dump_value(f, getattr(obj, f.attname), codes)
        if travels:
            out[f.name] = value
    return out


def event_rows(event, codes, key_of):
    """The rows the step of ``event`` made or changed that its replay on the other side needs
    (docs/architecture.md §6.2, "Applying"), queued with the entry: ``hearing``, ``mediation``,
    ``correction``. ``key_of``: ``petitions.services.instance_outbox.key_of``."""
    data = event.data or {}
    rows = {}
    if isinstance(data.get("hearing"), int):
        hearing = Hearing.objects.filter(pk=data["hearing"]).first()
        if hearing is not None:
            rows["hearing"] = {"key": key_of("hearing", hearing.pk), "review": key_of("review", hearing.review_id),
                               **row_dump(hearing, codes)}
    if isinstance(data.get("mediation"), int):
        mediation = Mediation.objects.filter(pk=data["mediation"]).first()
        if mediation is not None:
            rows["mediation"] = {"key": key_of("mediation", mediation.pk), **row_dump(mediation, codes)}
    if event.action == "correct" and event.actor_id is not None:
        # (an entry kept here as history has no actor: its tokens are another instance's)
        rows["correction"] = _correction(event, codes)
    return rows


def _correction(event, codes):
    """The values a correction left, for the fields it changed: the case's as it stands after the
    step, each person's (1 = the first in position order) likewise, except the encrypted ones
    (``correction_complete``)."""
    changes = (event.data or {}).get("changes") or {}
    case = event.case
    out = {"case": {}, "petitioners": {}}
    people = None
    for name in changes:
        if "." not in name:
            f = Case._meta.get_field(name)
            travels, value = _dump_value(f, getattr(case, f.attname), codes)
            if travels:
                out["case"][name] = value
            continue
        _prefix, position, field = name.split(".", 2)
        if field in PERSON_TOKENS:
            continue
        if people is None:
            people = list(Petitioner.objects.filter(case_id=case.pk).order_by("position"))
        index = int(position) - 1
        if 0 <= index < len(people):
            f = Petitioner._meta.get_field(field)
            travels, value = _dump_value(f, getattr(people[index], f.attname), codes)
            if travels:
                out["petitioners"].setdefault(position, {})[field] = value
    return out


def correction_complete(rows, data):
    """``rows`` with the identity number, phone and address a correction set, read in clear from the
    tokens of its trail (``data["changes"]``); called when the package is written. Returns a new dict."""
    if not isinstance(rows, dict) or "correction" not in rows:
        return rows
    correction = {"case": dict(rows["correction"].get("case") or {}),
                  "petitioners": {k: dict(v) for k, v in (rows["correction"].get("petitioners") or {}).items()}}
    for name, change in ((data or {}).get("changes") or {}).items():
        if name.count(".") != 2:
            continue
        _prefix, position, field = name.split(".", 2)
        if field in PERSON_TOKENS:
            after = change[1] if isinstance(change, (list, tuple)) and len(change) == 2 else None
            try:
                value = PERSON_TOKENS[field](after) if after else ""
            except ValueError:
                continue  # not this instance's token (``event_rows`` leaves out entries kept as history)
            correction["petitioners"].setdefault(position, {})[field] = value
    return {**rows, "correction": correction}


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
