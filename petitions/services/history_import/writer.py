"""Writing checked rows of the historical import: cases in their past states with the records that
state implies, in batches, inside the caller's transaction.

What one row becomes:

- a ``Case`` numbered ``<registering org>-<year of registration>-<seq>`` (the counter of that
  organization and year is locked once and raised past the numbers taken, so numbering stays
  gap-free and never collides), ``source_number`` = the row's 原编号, its dates, a fresh query
  code, held by the registering organization, registered by the organization's "历史数据导入"
  system account;
- its petitioners (the identity number, phone and address encrypted by the model fields, as
  ``bulk_create`` prepares every value through them);
- with a 承办单位: an ``Assignment`` (accepted, or approved with the answer once answered), so that
  the handling unit can go on with a 办理中 case and 复查 finds the original organization;
- 复查/复核: ``ReviewRequest`` rows (open for 复查中/复核中, decided for later states) with the
  statutory 30-day decision deadline;
- one ``history_import`` event ("历史数据导入", the 原编号 and the import) and no per-event audit
  row: the import writes one audit row for the whole file (like the exchange import and the
  generator, docs/performance.md §3).
"""
import datetime as dt
import io
import json
import secrets
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from petitions.lib import fieldcrypt
from petitions.models.fields import EncryptedIdentityField, EncryptedSealedField

from petitions.domain.deadlines import REVIEW_DECISION_DAYS, acceptance_due_for, handling_due_for
from petitions.lib.text import search_text
from petitions.models import (
    Assignment, AssignmentKind, AssignmentStatus, Case, CaseCounter, CaseEvent, Petitioner, ReviewLevel,
    ReviewRequest,
)
from petitions.services.intake import QUERY_CODE_ALPHABET, QUERY_CODE_LENGTH, SUMMARY_LENGTH, case_number_format
from petitions.workflow import Status

BATCH = 1000
CHILD_MODELS = (Petitioner, Assignment, ReviewRequest, CaseEvent)
EVENT_ACTION = "history_import"
IMPORT_NOTE = "历史数据导入"  # stored in the records, like a clerk's note


def _moment(value):
    """Aware datetime of a date (local midnight) or a datetime."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time()))


def _day(value):
    if value is None:
        return None
    return timezone.localdate(value) if isinstance(value, dt.datetime) else value


class Numbers:
    """Sequence numbers per (organization, year): each counter row is locked on first use and
    written once at the end (``save``)."""

    def __init__(self):
        self.next = {}

    def take(self, org, year):
        key = (org.pk, year)
        if key not in self.next:
            counter, _c = CaseCounter.objects.select_for_update().get_or_create(org=org, year=year)
            self.next[key] = [counter.pk, counter.last_seq]
        self.next[key][1] += 1
        return self.next[key][1]

    def save(self):
        for pk, last in self.next.values():
            CaseCounter.objects.filter(pk=pk).update(last_seq=last)


def _query_codes(count, taken):
    """``count`` unused query codes: drawn, checked against the database in one query, the rare
    collision drawn again."""
    codes = set()
    alphabet = QUERY_CODE_ALPHABET
    while len(codes) < count:
        # randbelow per character, as secrets.choice does, from one call per code's worth of bytes
        # would bias the alphabet (31 symbols); secrets.choice stays, on a local name.
        choice = secrets.choice
        fresh = {"".join([choice(alphabet) for _i in range(QUERY_CODE_LENGTH)])
                 for _n in range(count - len(codes))} - taken - codes
        fresh -= set(Case.objects.filter(query_code__in=fresh).values_list("query_code", flat=True))
        codes |= fresh
    taken |= codes
    return list(codes)


class Writer:
    """Writes checked rows in batches (``add``; ``finish`` at the end) inside the caller's
    transaction. ``system_user(org)`` gives the registering organization's system account."""

    def __init__(self, *, actor, system_user, job_id=None, now=None):
        self.actor = actor
        self.system_user = system_user
        self.job_id = job_id
        self.now = now or timezone.now()
        self.numbers = Numbers()
        self.pending = []
        self.codes_taken = set()
        self.by_source = {}  # (org id, source number) → case id, for 初访编号
        self.links = []  # (case id, reference text, registering org id)
        self.created = 0
        # Translated once, here: the pipelined writer builds rows in a thread of its own.
        self.texts = {"note": _("%(what)s，原编号 %(number)s"), "reject": _("不予受理：%(reason)s。告知途径：%(channel)s"),
                      "not_reaccept": _("不再受理：%(reason)s")}

    def _number(self, org, year):
        return self.numbers.take(org, year)

    def _user_id(self, org):
        return self.system_user(org).pk

    def add(self, values):
        self.pending.append(values)
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self):
        rows, self.pending = self.pending, []
        if not rows:
            return
        codes = _query_codes(len(rows), self.codes_taken)
        cases = [self._case(values, code) for values, code in zip(rows, codes)]
        for case, case_id in zip(cases, _insert(Case, cases)):
            case["id"] = case_id
        children = self._children(rows, cases)
        for model in CHILD_MODELS:
            _insert(model, children[model], returning=False)
        self.created += len(cases)

    def _children(self, rows, cases):
        """The petitioners, assignments, review requests and trail entries of written ``cases``."""
        out = {model: [] for model in CHILD_MODELS}
        actor_id = getattr(self.actor, "pk", None)
        actor_org_id = getattr(self.actor, "organization_id", None)
        note = self.texts["note"]
        for values, case in zip(rows, cases):
            self.by_source[(case["registered_org_id"], case["source_number"])] = case["id"]
            if values.get("first_case"):
                self.links.append((case["id"], values["first_case"], case["registered_org_id"]))
            out[Petitioner].extend(self._people(values, case))
            assignment = self._assignment(values, case)
            if assignment is not None:
                out[Assignment].append(assignment)
            out[ReviewRequest].extend(self._reviews(values, case))
            out[CaseEvent].append({
                "case_id": case["id"], "action": EVENT_ACTION, "from_status": "", "to_status": case["status"],
                "actor_id": actor_id, "actor_org_id": actor_org_id, "target_org_id": None,
                "target_user_id": None, "note": note % {"what": IMPORT_NOTE, "number": case["source_number"]},
                "deadline": None, "data": {"source_number": case["source_number"], "import": self.job_id},
                "audit_id": None, "created_at": self.now})
        return out

    def _case(self, values, code):
        org = values["registered_org"]
        status = values["status"]
        registered_at = _moment(values["registered_at"])
        registered_day = _day(registered_at)
        year = registered_day.year
        seq = self._number(org, year)
        accepted_at = _moment(values.get("accepted_at"))
        answered_at = _moment(values.get("answered_at"))
        closed_at = _moment(values.get("closed_at"))
        if status in (Status.CLOSED, Status.ARCHIVED) and answered_at is None:
            answered_at = closed_at  # 已办结 without an answer date: answered when closed
        handling_due = values.get("handling_due")
        if handling_due is None and accepted_at is not None:
            handling_due = handling_due_for(_day(accepted_at))
        acceptance_due = acceptance_due_for(registered_day)
        content = values["content"]
        summary = values.get("summary") or " ".join(content.split())[:SUMMARY_LENGTH]
        answer = values.get("answer_text") or ""
        if status == Status.REJECTED:
            answer = self.texts["reject"] % {"reason": values["reject_reason_name"], "channel": values["reject_channel"]}
        elif status == Status.NOT_REACCEPTED:
            answer = self.texts["not_reaccept"] % {"reason": answer}
        current_due = None
        if status == Status.PENDING:
            current_due = acceptance_due
        elif status == Status.IN_PROGRESS:
            current_due = handling_due
        elif status == Status.REVIEWING:
            current_due = _day(values["review_requested_at"]) + timedelta(days=REVIEW_DECISION_DAYS)
        elif status == Status.RECHECKING:
            current_due = _day(values["recheck_requested_at"]) + timedelta(days=REVIEW_DECISION_DAYS)
        handling = values.get("handling_org")
        first = values.get("first_case")
        region = values.get("problem_region")
        finished = status in (Status.CLOSED, Status.ARCHIVED)
        return dict(
            number=case_number_format(org=org, year=year, seq=seq), registered_org_id=org.pk, registered_path=org.path,
            year=year, seq=seq, channel=values["channel"], status=status, version=1, query_code=code,
            submit_token=None, registered_by_id=self._user_id(org), registered_at=registered_at,
            petition_date=values["petition_date"], purpose_id=values.get("purpose"), problem_id=values.get("problem"),
            problem_region_id=region.pk if region else None, content=content, summary=summary,
            responsible_unit="", responsible_person="", received_at=None, attachment_kind_id=None,
            referrer_name="", referrer_title="", referrer_org="", first_case_id=None, is_confidential=False,
            accused_org_id=None, is_supervised=False, reported_leader_id=None, latest_instruction="",
            public_reply="", public_reply_at=None,
            visit_nature_id=values.get("visit_nature"), visitor_count=values.get("visitor_count"),
            visit_level_id=values.get("visit_level"), letter_nature_id=values.get("letter_nature"),
            signer_count=values.get("signer_count"), registration_source_id=values.get("registration_source"),
            referral_number=values.get("referral_number") or "", is_anonymous=values["is_anonymous"],
            is_collective=values["is_collective"], is_repeat=bool(first), is_skip_level=bool(values.get("is_skip_level")),
            acceptance_due=acceptance_due, handling_due=handling_due, current_due=current_due,
            accepted_at=accepted_at if status != Status.PENDING else None, answered_at=answered_at,
            closed_at=closed_at, archived_at=_moment(values.get("archived_at")), holder_org_id=org.pk,
            answer_text=answer, handling_opinion=values.get("handling_opinion") or "",
            closure_category_id=values.get("closure_category"),
            closure_org_id=(handling or org).pk if finished else None,
            closure_region_id=region.pk if finished and region else None,
            search_tokens=search_text(content, summary), source_number=values["source_number"],
            created_at=self.now, updated_at=self.now,
        )

    def _people(self, values, case):
        people = []
        person = {"case_id": case["id"], "is_representative": case["is_collective"], "sex": "", "age": None,
                  "ethnicity_id": None, "id_type": "resident_id", "id_number": "", "education_id": None,
                  "political_id": None, "address": "", "workplace": "", "phone": ""}
        if values.get("name") or values.get("id_number") or values.get("phone"):
            people.append({**person, "position": 1, "name": values.get("name") or "", "sex": values.get("sex") or "",
                           "age": values.get("age"), "ethnicity_id": values.get("ethnicity"),
                           "id_type": values.get("id_type") or "resident_id",
                           "id_number": values.get("id_number") or "", "address": values.get("address") or "",
                           "workplace": values.get("workplace") or "", "phone": values.get("phone") or ""})
        for name in values.get("other_names") or ():
            people.append({**person, "position": len(people) + 1, "name": name})
        return people

    def _assignment(self, values, case):
        org = values.get("handling_org")
        if org is None:
            return None
        answered = case["status"] != Status.IN_PROGRESS
        return {
            "case_id": case["id"], "parent_id": None, "org_id": org.pk, "org_path": org.path,
            "assigned_by_org_id": case["registered_org_id"], "assigned_by_id": case["registered_by_id"],
            "kind": AssignmentKind.ASSIGN, "is_lead": True,
            "status": AssignmentStatus.APPROVED if answered else AssignmentStatus.ACCEPTED,
            "acceptance_due": case["acceptance_due"], "handling_due": case["handling_due"], "extension_days": 0,
            "accepted_at": case["accepted_at"], "reported_at": case["answered_at"] if answered else None,
            "result_text": case["answer_text"] if answered else "",
            "handling_opinion": case["handling_opinion"] if answered else "", "note": IMPORT_NOTE,
            "created_at": case["registered_at"]}

    def _reviews(self, values, case):
        out = []
        original = values.get("handling_org") or values["registered_org"]
        review_org = values.get("review_org") or values.get("review_org_default") or original
        for level, prefix, org in ((ReviewLevel.REVIEW, "review", review_org),
                                   (ReviewLevel.RECHECK, "recheck", values.get("recheck_org")
                                    or values.get("recheck_org_default"))):
            if not values.get(f"{prefix}_requested_at"):
                continue
            requested = _moment(values[f"{prefix}_requested_at"])
            out.append({
                "case_id": case["id"], "level": level, "org_id": org.pk, "reason": IMPORT_NOTE,
                "requested_at": requested, "due": _day(requested) + timedelta(days=REVIEW_DECISION_DAYS),
                "opinion": values.get(f"{prefix}_opinion") or "",
                "decided_at": _moment(values.get(f"{prefix}_decided_at"))})
        return out

    def finish(self, resolve_first_case):
        """Write what is pending, raise the counters, link repeats to their first case
        (``resolve_first_case(reference, org id, written)`` → case id)."""
        self.flush()
        self.numbers.save()
        for case_id, reference, org_id in self.links:
            first_id = resolve_first_case(reference, org_id, self.by_source)
            if first_id is not None and first_id != case_id:
                Case.objects.filter(pk=case_id).update(first_case_id=first_id)
        return self.created


def _preparer(field):
    """How a Python value of ``field`` becomes the stored one (what the field's get_prep_value does,
    without the ORM's per-value machinery): tokens for the encrypted fields, JSON text for JSON."""
    if isinstance(field, EncryptedIdentityField):
        return lambda v: fieldcrypt.encrypt(v) if v else v
    if isinstance(field, EncryptedSealedField):
        return lambda v: fieldcrypt.seal(v) if v else v
    if field.get_internal_type() == "JSONField":
        return lambda v: json.dumps(v, ensure_ascii=False)
    return None


def _insert(model, rows, *, returning=True):
    """Insert ``rows`` (dicts of attnames: every concrete field but the primary key) and return the
    new ids in order when ``returning``.

    PostgreSQL: one multi-row INSERT per 1,000 rows (psycopg2's execute_values, RETURNING id in
    VALUES order), the encrypted fields prepared by their own functions: Django's bulk_create spends
    most of its time preparing 40 values a row one by one. Elsewhere (SQLite: development and the
    tests): bulk_create, which prepares the same values through the model fields."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        model.objects.bulk_create(objs, batch_size=BATCH)
        return [obj.pk for obj in objs]
    from psycopg2.extras import execute_values

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    prepare = [(i, p) for i, p in ((i, _preparer(f)) for i, f in enumerate(fields)) if p is not None]
    # A field this module does not fill (added later) takes its default, as bulk_create would give it.
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in rows[0]}
    tuples = []
    for row in rows:
        values = [row[name] if name in row else defaults[name] for name in names]
        for i, prep in prepare:
            values[i] = prep(values[i])
        tuples.append(values)
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES %s"
           + (" RETURNING id" if returning else ""))
    with connection.cursor() as cursor:
        result = execute_values(cursor.cursor, sql, tuples, page_size=BATCH, fetch=returning)
    return [r[0] for r in result] if returning else []


# ---------------------------------------------------------------- PostgreSQL: COPY, in a pipeline

def _copy_text(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


class _Table:
    """How the rows of one model become COPY text: the columns, each value's preparation, and the
    default of every field the builders do not fill."""

    def __init__(self, model, *, with_id):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
        self.names = [f.attname for f in self.fields]
        self.prepare = [(i, p) for i, p in ((i, _preparer(f)) for i, f in enumerate(self.fields)) if p is not None]
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        quote = connection.ops.quote_name
        self.sql = (f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in self.fields)}) "
                    "FROM STDIN")

    def text(self, rows):
        lines = []
        names, defaults, prepare = self.names, self.defaults, self.prepare
        for row in rows:
            values = [row[name] if name in row else defaults[name] for name in names]
            for i, prep in prepare:
                values[i] = prep(values[i])
            lines.append("\t".join([_copy_text(v) for v in values]))
        return "\n".join(lines) + "\n" if lines else ""


class CopyWriter(Writer):
    """The PostgreSQL writer for large files: every number, query code and case id is reserved up
    front in the caller's transaction (counters locked and raised once, ids from the sequence), then
    a second thread builds the rows (dates, search tokens, encryption: Python) while this one streams
    them to the server with COPY (psycopg2 releases the interpreter lock while the server works), so
    the two cores work at once. The thread never touches the database."""

    QUEUE = 3

    def write(self, rows, *, plan, orgs, progress=None, total=0):
        """Write ``rows`` (an iterable of checked values, consumed by the builder thread); ``plan``:
        {(org id, year): count}; ``orgs``: {id: OrgUnit}. Returns the number of cases written."""
        import queue
        import threading

        users = {org_id: self.system_user(orgs[org_id]).pk for org_id in {o for o, _y in plan}}
        starts = {}
        for (org_id, year), count in plan.items():
            counter, _c = CaseCounter.objects.select_for_update().get_or_create(org_id=org_id, year=year)
            starts[(org_id, year)] = counter.last_seq
            CaseCounter.objects.filter(pk=counter.pk).update(last_seq=counter.last_seq + count)
        needed = sum(plan.values())
        codes = _query_codes(needed, self.codes_taken)
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [Case._meta.db_table, needed])
            ids = [r[0] for r in cursor.fetchall()]

        def number(org, year):
            starts[(org.pk, year)] += 1
            return starts[(org.pk, year)]

        self._number = number
        self._user_id = lambda org: users[org.pk]
        tables = {model: _Table(model, with_id=model is Case) for model in (Case, *CHILD_MODELS)}
        channel = queue.Queue(maxsize=self.QUEUE)
        stop = threading.Event()

        def build():
            try:
                batch = []
                position = 0
                for values in rows:
                    if stop.is_set():
                        return
                    batch.append(values)
                    if len(batch) >= BATCH:
                        channel.put(self._payload(batch, codes, ids, position, tables))
                        position += len(batch)
                        batch = []
                if batch:
                    channel.put(self._payload(batch, codes, ids, position, tables))
                channel.put(None)
            except BaseException as exc:  # handed to the writing thread, which raises it
                channel.put(exc)

        builder = threading.Thread(target=build, name="history-import-builder", daemon=True)
        builder.start()
        written = 0
        try:
            with connection.cursor() as cursor:
                raw = cursor.cursor
                while True:
                    item = channel.get()
                    if item is None:
                        break
                    if isinstance(item, BaseException):
                        raise item
                    count, texts = item
                    for model in (Case, *CHILD_MODELS):
                        if texts[model]:
                            raw.copy_expert(tables[model].sql, io.StringIO(texts[model]))
                    written += count
                    if progress is not None:
                        progress("import", written, total)
        finally:
            stop.set()
            while builder.is_alive():  # let a blocked builder finish
                try:
                    channel.get(timeout=0.1)
                except queue.Empty:
                    pass
            builder.join()
        self.created = written
        return written

    def _payload(self, batch, codes, ids, position, tables):
        cases = []
        for offset, values in enumerate(batch):
            case = self._case(values, codes[position + offset])
            case["id"] = ids[position + offset]
            cases.append(case)
        children = self._children(batch, cases)
        texts = {Case: tables[Case].text(cases)}
        for model in CHILD_MODELS:
            texts[model] = tables[model].text(children[model])
        return len(batch), texts

    def finish(self, resolve_first_case):
        for case_id, reference, org_id in self.links:
            first_id = resolve_first_case(reference, org_id, self.by_source)
            if first_id is not None and first_id != case_id:
                Case.objects.filter(pk=case_id).update(first_case_id=first_id)
        return self.created
