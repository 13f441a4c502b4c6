"""Export and import of signed data packages between levels (docs/architecture.md §6).

A county or township instance exports the cases registered in an organization's subtree
(``package_export``); the prefecture imports the package (``package_import``). The format
and every check made before a row is read live in ``petitions.lib.package``.

Identity across instances: organizations share their codes, so a case keeps its registering
organization (by code) and its number ``<org code>-<year>-<seq>``, which is unique and
identifies the case at the receiver. Users do not travel: imported cases and events have no
local actor (the sender's username and name are kept in the event's ``data``). An event is
identified by ``data["exchange"]["key"]``: ``<sender key fingerprint>:<sender event id>``,
assigned once by the instance that wrote the event and kept when a package is passed on, so
the same event arriving twice (or by two routes) is appended once.

Imported cases count in reports under their registering organization (reports count by
``registered_org``), so a county case imported into the prefecture counts once, under the
county.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import NotAllowed
from accounts.models import OrgUnit, User

from petitions.lib.package import (
    BAD_ROW, PackageRejected, package_read, package_write, private_key_load, public_key_fingerprint, public_key_load,
    public_key_text,
)
from petitions.models import Attachment, Case, CaseCounter, CaseEvent, DictEntry, DictKind, ExchangeKey, Petitioner
from petitions.lib.text import search_text
from petitions.services.attachments import attachments_store, discard, stage_chunks, storage_path
from petitions.services.events import cases_changed
from petitions.selectors.orgs import exchange_org_choices
from petitions.services.intake import case_number_format, query_code_generate

PERMISSION = "petitions.exchange_package"

TEXT_FIELDS = (
    "number", "year", "seq", "channel", "status", "version", "query_code", "content", "summary",
    "responsible_unit", "responsible_person", "visitor_count", "signer_count", "referral_number", "referrer_name",
    "referrer_title", "referrer_org", "is_anonymous", "is_collective", "is_repeat", "is_skip_level",
    "is_confidential", "is_supervised", "latest_instruction", "answer_text", "handling_opinion", "public_reply",
)
DATE_FIELDS = ("petition_date", "received_at", "acceptance_due", "handling_due", "current_due")
DATETIME_FIELDS = ("registered_at", "accepted_at", "answered_at", "closed_at", "archived_at", "public_reply_at")
ORG_FIELDS = ("registered_org", "problem_region", "accused_org", "holder_org", "closure_org", "closure_region")
DICT_FIELDS = {
    "purpose": DictKind.PURPOSE, "problem": DictKind.PROBLEM, "visit_nature": DictKind.VISIT_NATURE,
    "visit_level": DictKind.VISIT_LEVEL, "letter_nature": DictKind.LETTER_NATURE,
    "attachment_kind": DictKind.ATTACHMENT_KIND, "registration_source": DictKind.REG_SOURCE,
    "closure_category": DictKind.CLOSURE,
}
# What a newer version of a case brings along: its workflow state, deadlines and outcome.
STATE_FIELDS = (
    "status", "version", "is_supervised", "latest_instruction", "answer_text", "handling_opinion", "public_reply",
    "public_reply_at", "acceptance_due", "handling_due", "current_due", "accepted_at", "answered_at", "closed_at",
    "archived_at", "holder_org", "closure_category", "closure_org", "closure_region",
)
PETITIONER_TEXT = ("position", "is_representative", "name", "sex", "age", "id_type", "id_number", "address",
                   "workplace", "phone")
PETITIONER_DICTS = {"ethnicity": DictKind.ETHNICITY, "education": DictKind.EDUCATION,
                    "political": DictKind.POLITICAL}
CHUNK = 1000


def key_fingerprint(public_key_text_value):
    """Short stable id of an instance's signing key (prefix of the event keys it assigns)."""
    return public_key_fingerprint(public_key_text_value)


def _iso(value):
    return value.isoformat() if value is not None else None


def _chunks(items, size=CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


# ---------------------------------------------------------------- keys

def exchange_key_register(*, org, public_key, note="", actor=None):
    """Trust ``public_key`` (base64 raw Ed25519) for packages signed for ``org``'s subtree.

    Raises ``ValueError`` for a malformed key. Writes one ``exchange.key_register`` audit
    row. Registering a key that exists re-activates it."""
    public_key = public_key.strip()
    public_key_load(public_key)
    with transaction.atomic():
        key, created = ExchangeKey.objects.get_or_create(public_key=public_key, defaults={"org": org, "note": note})
        if not created and (key.org_id != org.pk or not key.is_active):
            ExchangeKey.objects.filter(pk=key.pk).update(org=org, is_active=True)
        audit_record(action="exchange.key_register", actor=actor, target=key,
                     summary=f"{org.code} {key_fingerprint(public_key)}",
                     data={"org": org.code, "fingerprint": key_fingerprint(public_key)})
    return key


def exchange_key_deactivate(*, key, actor=None):
    """Stop trusting ``key``; packages signed with it are refused from now on. Audited."""
    with transaction.atomic():
        ExchangeKey.objects.filter(pk=key.pk).update(is_active=False)
        audit_record(action="exchange.key_deactivate", actor=actor, target=key,
                     summary=f"{key.org.code} {key_fingerprint(key.public_key)}", data={"org": key.org.code})


def _require(actor, org=None):
    """Command-line runs without an actor (shell access is the operator's); a user needs the
    permission and, for an export, the organization within his own subtree."""
    if actor is None:
        return
    if not actor.has_perm(PERMISSION):
        raise NotAllowed(_("您没有导入导出数据交换包的权限。"))
    # An export carries full identity numbers: the exporter must be allowed to see them.
    if org is not None and not actor.has_perm("petitions.view_pii"):
        raise NotAllowed(_("您没有导入导出数据交换包的权限。"))
    if org is not None and not exchange_org_choices(actor).filter(pk=org.pk).exists():
        raise NotAllowed(_("只能导出本辖区的数据。"))


# ---------------------------------------------------------------- export

def export_cases_qs(*, org, start, end):
    """Cases registered in ``org``'s subtree that were registered, or had an event, in the
    period (so a later package carries the newer events of earlier cases)."""
    start_dt = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    end_dt = timezone.make_aware(datetime.combine(end, datetime.min.time())) + timedelta(days=1)
    touched = CaseEvent.objects.filter(case=OuterRef("pk"), created_at__gte=start_dt, created_at__lt=end_dt)
    return (Case.objects.filter(registered_path__startswith=org.path)
            .filter(Q(registered_at__gte=start_dt, registered_at__lt=end_dt) | Exists(touched))
            .order_by("registered_at", "id"))


def package_export(*, org, start, end, out, actor=None, private_key=None):
    """Write a signed package of ``org``'s subtree for ``start``…``end`` to ``out`` (binary file).

    Needs this instance's signing key (``settings.EXCHANGE_PRIVATE_KEY_PATH`` unless
    ``private_key`` is given). Reads only; writes one ``exchange.export`` audit row with the
    counts (the package carries personal data). Raises ``NotAllowed``. Returns the manifest.
    """
    _require(actor, org)
    private_key = private_key or private_key_load()
    fingerprint = key_fingerprint(public_key_text(private_key.public_key()))
    org_codes = dict(OrgUnit.objects.values_list("id", "code"))
    dict_codes = dict(DictEntry.objects.values_list("id", "code"))
    usernames = {}
    cases, events, attachments = [], [], {}
    ids = list(export_cases_qs(org=org, start=start, end=end).values_list("id", flat=True))
    for chunk in _chunks(ids):
        rows = {r["id"]: r for r in Case.objects.filter(id__in=chunk).values()}
        first_numbers = dict(Case.objects.filter(id__in=[r["first_case_id"] for r in rows.values()
                                                         if r["first_case_id"]]).values_list("id", "number"))
        people, tags, files, trail = {}, {}, {}, {}
        for p in Petitioner.objects.filter(case_id__in=chunk).order_by("case_id", "position", "id"):
            item = {f: getattr(p, f) for f in PETITIONER_TEXT}
            item.update({f: dict_codes.get(getattr(p, f + "_id")) for f in PETITIONER_DICTS})
            people.setdefault(p.case_id, []).append(item)
        through = Case.abnormal_behaviors.through.objects.filter(case_id__in=chunk)
        for case_id, entry_id in through.values_list("case_id", "dictentry_id"):
            tags.setdefault(case_id, []).append(dict_codes[entry_id])
        event_keys = {}
        event_rows = list(CaseEvent.objects.filter(case_id__in=chunk).order_by("created_at", "id").values())
        wanted = {e[f] for e in event_rows for f in ("actor_id", "target_user_id") if e[f]} - set(usernames)
        usernames.update(User.objects.filter(pk__in=wanted).values_list("id", "username"))
        for e in event_rows:
            data = dict(e["data"] or {})
            meta = data.pop("exchange", None) or {}
            key = meta.get("key") or f"{fingerprint}:{e['id']}"
            event_keys[e["id"]] = key
            trail.setdefault(e["case_id"], []).append({
                "key": key, "case": rows[e["case_id"]]["number"], "action": e["action"],
                "from_status": e["from_status"], "to_status": e["to_status"],
                "actor": meta.get("actor") or usernames.get(e["actor_id"], ""),
                "actor_org": org_codes.get(e["actor_org_id"]), "target_org": org_codes.get(e["target_org_id"]),
                "target_user": meta.get("target_user") or usernames.get(e["target_user_id"], ""),
                "note": e["note"], "deadline": _iso(e["deadline"]), "data": data,
                "created_at": _iso(e["created_at"]),
            })
        for a in Attachment.objects.filter(case_id__in=chunk).values():
            files.setdefault(a["case_id"], []).append({
                "name": a["original_name"], "content_type": a["content_type"], "size": a["size"],
                "sha256": a["sha256"], "event": event_keys.get(a["event_id"]), "created_at": _iso(a["created_at"]),
            })
            attachments[a["sha256"]] = storage_path(a["stored_name"])
        for case_id in chunk:
            r = rows[case_id]
            item = {f: r[f] for f in TEXT_FIELDS}
            item.update({f: _iso(r[f]) for f in DATE_FIELDS + DATETIME_FIELDS})
            item.update({f: org_codes.get(r[f + "_id"]) for f in ORG_FIELDS})
            item.update({f: dict_codes.get(r[f + "_id"]) for f in DICT_FIELDS})
            item["first_case"] = first_numbers.get(r["first_case_id"])
            item["abnormal_behaviors"] = sorted(tags.get(case_id, []))
            item["petitioners"] = people.get(case_id, [])
            item["attachments"] = files.get(case_id, [])
            cases.append(item)
            events.extend(trail.get(case_id, []))
    manifest = package_write(out, private_key=private_key, source_org=org.code, period=(start, end),
                             created_at=timezone.now(), cases=cases, events=events, attachments=attachments)
    audit_record(action="exchange.export", actor=actor, target=org,
                 summary=f"{org.code} {start.isoformat()}~{end.isoformat()}",
                 data={"org": org.code, "period": manifest["period"], "counts": manifest["counts"]})
    return manifest


# ---------------------------------------------------------------- import

@dataclass
class ImportReport:
    """What an import did: counts, and each refused case with its reason."""

    source_org: str = ""
    period: dict = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    events_created: int = 0
    attachments_created: int = 0
    rejected: list = field(default_factory=list)  # [(case number, reason)]

    def as_dict(self):
        return {"source_org": self.source_org, "period": self.period, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "events_created": self.events_created,
                "attachments_created": self.attachments_created, "rejected": len(self.rejected)}


def _keys_for(code):
    return list(ExchangeKey.objects.filter(org__code=code, is_active=True).values_list("id", "public_key"))


def package_import(*, fileobj, size, actor=None, request=None):
    """Verify and import a package; return an ``ImportReport``.

    Preconditions: the package is signed by an active ``ExchangeKey`` of its source
    organization. Raises ``PackageRejected`` (nothing written except a failed
    ``exchange.import`` audit row) for a bad zip, member name or size, schema version,
    signature or hash; ``NotAllowed`` when ``actor`` lacks ``petitions.exchange_package``.

    In one transaction: creates missing cases (petitioners, abnormal-behaviour tags,
    attachments; the case counter of the registering organization is raised to the imported
    number so local numbering never collides), appends events whose key is not present yet,
    and copies the state fields from a case whose version is newer than the local one. A
    case registered outside the signer's subtree, or by an unknown organization, is
    rejected and reported; the rest is imported. Idempotent: a second import of the same
    package creates and updates nothing.

    Audit: one ``exchange.import`` row with the counts. Imported events are history, like the
    generator's (docs/performance.md §3): they carry no audit-chain row of their own, since
    they were audited where they happened.
    """
    _require(actor)
    try:
        package = package_read(fileobj, size=size, keys_for=_keys_for)
        try:
            return _import(package, actor=actor, request=request)
        except (KeyError, TypeError, ValueError, AttributeError):
            # A well-signed package with a malformed row (missing field, bad date): the
            # transaction rolled back; refuse it as a whole like any other defect.
            raise PackageRejected(_("数据包中的数据行格式有误，已拒收。"), code=BAD_ROW) from None
        finally:
            package.archive.close()
    except PackageRejected as exc:
        audit_record(action="exchange.import", actor=actor, request=request, succeeded=False,
                     summary=f"rejected {exc.code}", data={"code": exc.code})
        raise


class _Lookup:
    """Organizations and dictionary entries by code (one query each)."""

    def __init__(self):
        self.orgs = {o.code: o for o in OrgUnit.objects.only("id", "code", "path")}
        self.dicts = {(k, c): i for i, k, c in DictEntry.objects.values_list("id", "kind", "code")}

    def org_id(self, code):
        org = self.orgs.get(code) if code else None
        return org.pk if org else None

    def dict_id(self, kind, code):
        return self.dicts.get((kind, code)) if code else None


def _parse(name, value):
    if value in (None, ""):
        return None
    if name in DATE_FIELDS or name == "deadline":
        return date.fromisoformat(value)
    return datetime.fromisoformat(value)


def _case_fields(row, lookup):
    values = {f: row[f] for f in TEXT_FIELDS}
    values.update({f: _parse(f, row.get(f)) for f in DATE_FIELDS + DATETIME_FIELDS})
    values.update({f + "_id": lookup.org_id(row.get(f)) for f in ORG_FIELDS})
    values.update({f + "_id": lookup.dict_id(kind, row.get(f)) for f, kind in DICT_FIELDS.items()})
    return values


def _row_problem(row, lookup, signer):
    """Why a case row cannot be imported (a translated reason), or None."""
    org = lookup.orgs.get(row.get("registered_org"))
    if org is None:
        return _("登记机构 %(org)s 在本系统中不存在") % {"org": row.get("registered_org")}
    if not org.path.startswith(signer.path):
        return _("登记机构 %(org)s 不在发送机构 %(signer)s 的辖区内") % {"org": org.code, "signer": signer.code}
    try:
        expected = case_number_format(org=org, year=int(row["year"]), seq=int(row["seq"]))
    except (KeyError, TypeError, ValueError):
        expected = None
    if row.get("number") != expected:
        return _("信访件编号与登记机构、年度、序号不符")
    return None


def _stage_bytes(data, original_name, content_type, sha):
    """Copy an attachment from the package to the staging area (as an upload would be)."""
    staged = stage_chunks([data], original_name=original_name, content_type=content_type)
    if staged.sha256 != sha:  # verified against the signed manifest already; a mismatch here is a bug
        discard([staged])
        raise RuntimeError(f"attachment {original_name} changed between verification and staging")
    return staged


def _import(package, *, actor, request):
    report = ImportReport(source_org=package.source_org, period=package.manifest.get("period", {}))
    signer = OrgUnit.objects.get(code=package.source_org)
    staged = []
    try:
        with transaction.atomic():
            touched = _import_rows(package, report, signer, staged)
            audit_record(action="exchange.import", actor=actor, request=request, target=signer,
                         summary=(f"{package.source_org} +{report.created} ~{report.updated} "
                                  f"!{len(report.rejected)}"),
                         data={**report.as_dict(), "key": package.key_id})
            cases_changed(touched)
    except BaseException:
        discard(staged)
        raise
    return report


def _import_rows(package, report, signer, staged):
    """Create or update the package's cases; return the ids of the cases created or updated."""
    lookup = _Lookup()
    events_by_case = {}
    for e in package.events:
        events_by_case.setdefault(e.get("case"), []).append(e)
    numbers = [r.get("number") for r in package.cases]
    local = {c.number: c for c in Case.objects.select_for_update().filter(number__in=numbers)}
    local_ids = [c.pk for c in local.values()]
    held_events, held_files = {}, {}  # what the local cases hold already: one query each
    for event in CaseEvent.objects.filter(case_id__in=local_ids, data__has_key="exchange").only("id", "case_id",
                                                                                                  "data"):
        key = (event.data or {}).get("exchange", {}).get("key")
        if key:
            held_events.setdefault(event.case_id, {})[key] = event
    for case_id, sha, name in Attachment.objects.filter(case_id__in=local_ids).values_list("case_id", "sha256",
                                                                                            "original_name"):
        held_files.setdefault(case_id, set()).add((sha, name))
    codes_taken = set(Case.objects.filter(query_code__in=[r.get("query_code") for r in package.cases])
                      .values_list("query_code", flat=True))
    first_links, created_cases, touched = [], [], []
    for row in package.cases:
        problem = _row_problem(row, lookup, signer)
        if problem:
            report.rejected.append((str(row.get("number")), problem))
            continue
        case = local.get(row["number"])
        created = case is None
        changed = False
        if created:
            case = _case_create(row, lookup, codes_taken)
            local[case.number] = case
            created_cases.append(case)
            report.created += 1
            if row.get("first_case"):
                first_links.append((case, row["first_case"]))
        elif int(row["version"]) > case.version:
            fields = _case_fields(row, lookup)
            state = {f: fields[f] for f in STATE_FIELDS if f in fields}
            state.update({f + "_id": fields[f + "_id"] for f in STATE_FIELDS if f + "_id" in fields})
            Case.objects.filter(pk=case.pk).update(**state, updated_at=timezone.now())
            changed = True
        new_events, keymap = _events_append(case, events_by_case.get(row["number"], []), lookup,
                                            held_events.get(case.pk, {}))
        new_files = _attachments_add(case, row.get("attachments", []), package, keymap, staged,
                                     held_files.get(case.pk, set()))
        report.events_created += new_events
        report.attachments_created += new_files
        if created or changed or new_events:
            touched.append(case.pk)
        if created:
            continue
        if changed or new_events or new_files:
            report.updated += 1
        else:
            report.unchanged += 1
    _counters_raise(created_cases)
    missing = {number for _case, number in first_links if number not in local}
    local.update({c.number: c for c in Case.objects.filter(number__in=missing).only("id", "number")})
    for case, number in first_links:
        first = local.get(number)
        if first is not None:
            Case.objects.filter(pk=case.pk).update(first_case=first)
    return touched


def _case_create(row, lookup, codes_taken):
    """Create the case of ``row``; a query code already taken here (``codes_taken``, kept up to
    date) is replaced by a new one."""
    fields = _case_fields(row, lookup)
    org = lookup.orgs[row["registered_org"]]
    if fields["query_code"] in codes_taken:
        fields["query_code"] = query_code_generate()
    codes_taken.add(fields["query_code"])
    case = Case.objects.create(
        registered_path=org.path, registered_by=None, submit_token=None,
        search_tokens=search_text(fields["content"], fields["summary"], fields["responsible_unit"]),
        **fields,
    )
    tags = [lookup.dict_id(DictKind.ABNORMAL, code) for code in row.get("abnormal_behaviors", [])]
    if any(tags):
        case.abnormal_behaviors.set([t for t in tags if t])
    people = []
    for p in row.get("petitioners", []):
        values = {f: p.get(f) for f in PETITIONER_TEXT if p.get(f) is not None}
        values.update({f + "_id": lookup.dict_id(kind, p.get(f)) for f, kind in PETITIONER_DICTS.items()})
        people.append(Petitioner(case=case, **values))
    Petitioner.objects.bulk_create(people)
    return case


def _counters_raise(created):
    """Keep local numbering clear of the imported numbers (case_unique_org_year_seq): raise
    each (organization, year) counter to the highest imported sequence, under its row lock."""
    highest = {}
    for case in created:
        key = (case.registered_org_id, case.year)
        highest[key] = max(highest.get(key, 0), case.seq)
    for (org_id, year), seq in highest.items():
        counter, _c = CaseCounter.objects.select_for_update().get_or_create(org_id=org_id, year=year)
        if counter.last_seq < seq:
            CaseCounter.objects.filter(pk=counter.pk).update(last_seq=seq)


def _events_append(case, rows, lookup, held):
    """Append the events of ``rows`` whose key the case does not hold yet (``held``: key →
    CaseEvent of the case's events); return (how many were appended, key → CaseEvent for
    every key of the case)."""
    keymap = dict(held)
    new = []
    for e in rows:
        if not e.get("key") or e["key"] in keymap:
            continue
        data = dict(e.get("data") or {})
        data["exchange"] = {"key": e["key"], "actor": e.get("actor", ""), "target_user": e.get("target_user", "")}
        event = CaseEvent(
            case=case, action=e["action"], from_status=e.get("from_status") or "", to_status=e.get("to_status") or "",
            actor=None, actor_org_id=lookup.org_id(e.get("actor_org")),
            target_org_id=lookup.org_id(e.get("target_org")), target_user=None, note=e.get("note") or "",
            deadline=_parse("deadline", e.get("deadline")), data=data,
            audit=None, created_at=_parse("created_at", e["created_at"]),
        )
        new.append(event)
        keymap[e["key"]] = event
    # PostgreSQL and SQLite ≥ 3.35 return the new ids, which attachments link to.
    CaseEvent.objects.bulk_create(new, batch_size=500)
    return len(new), keymap


def _attachments_add(case, rows, package, keymap, staged, held):
    """Store the case's attachments that are not there yet (same content and name; ``held``:
    the (sha256, name) pairs the case has)."""
    present = set(held)
    added = 0
    for a in rows:
        if (a["sha256"], a["name"]) in present:
            continue
        if "attachments/" + a["sha256"] not in package.attachment_names:
            continue
        data = package.attachment_bytes(a["sha256"])
        item = _stage_bytes(data, a["name"], a["content_type"], a["sha256"])
        staged.append(item)
        event = keymap.get(a.get("event"))
        attachments_store([item], case=case, actor=None, event=event)
        present.add((a["sha256"], a["name"]))
        added += 1
    return added
