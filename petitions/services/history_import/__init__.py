"""Historical import from the Excel template (数据导入, README "历史数据导入").

Cases registered before the system existed — pending, accepted, under 复查/复核 or finished — come in
from one workbook, one row per case (the template: ``workbooks.template_write``). The path of a file:

1. **Container checks**, before a row is read (``workbook_check``): an .xlsx (a zip with a workbook
   part; not an .xls, an encrypted workbook or a macro workbook), the zip directory within
   ``HISTORY_IMPORT_MAX_MEMBERS`` members and ``HISTORY_IMPORT_MAX_UNCOMPRESSED`` bytes (a zip bomb
   is refused from its directory), no external links or data connections, this template's mark and
   version and exactly its header row.
2. **Row checks** (``rows_check``): every cell of every row (``rows.row_check``: dates, dictionary
   values by code or name, organizations in the importer's jurisdiction, GB 11643 identity numbers,
   phones, the state's required columns and the order of its dates), formulas refused cell by cell,
   no more than ``HISTORY_IMPORT_MAX_ROWS`` rows, 原编号 unique in the file; a 原编号 already imported
   for the same registering organization marks the row "already imported" (skipped, not an error);
   a 初访编号 must name a case of the file or a visible case.
3. **Import** (``history_import``): all rows or none — any row with an error refuses the whole file
   unless the caller chose ``only_valid`` — in **one transaction** (``writer``), with one
   ``case.history_import`` audit row carrying the counts. The same file imported twice creates
   nothing the second time (the 原编号 is unique per registering organization in the database).

Every refusal raises ``ImportRefused`` (a ``ServiceError``) with a Chinese message naming the file,
row or column, writes a failed ``case.history_import`` audit row and leaves nothing behind.

The page (``petitions/views/history_import.py``) runs steps 2 and 3 in the background
(``job_*`` functions, one ``HistoryImport`` row per upload) and polls ``job_progress``; the command
``manage.py import_history`` runs them in the foreground.
"""
import hashlib
import json
import logging
import os
import pickle
import secrets
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import NotAllowed, ServiceError
from accounts.services import system_account_ensure
from petitions import clock
from petitions.lib.xlsx import XlsxRejected, column_letter, workbook_open
from petitions.models import Case, HistoryImport, HistoryImportState
from petitions.selectors import case_visible_qs

from petitions.services.events import cases_changed
from petitions.services.history_import.columns import (
    COLUMNS, DATA_SHEET, ERROR_HEADER, HEADERS, META_SHEET, TEMPLATE_MARK, TEMPLATE_VERSION,
)
from petitions.services.history_import.rows import ORG_KEYS, Lookup, row_check
from petitions.services.history_import.workbooks import error_workbook_write, template_write
from petitions.services.history_import.writer import CopyWriter, Writer

logger = logging.getLogger("xf.history_import")

PERMISSION = "petitions.import_history"
SYSTEM_USERNAME_PREFIX = "import:"
SYSTEM_ACTOR_NAME = "历史数据导入"
PREVIEW_ERRORS = 500  # row errors kept on the job for the preview page
DB_BATCH = 1000
STALE_SECONDS = 120  # a job whose worker has not reported for this long was interrupted
KEEP_DAYS = 7  # an upload never imported (and its error workbook) is deleted after this long
INDEX = {c.key: i for i, c in enumerate(COLUMNS)}

__all__ = [
    "ImportRefused", "ImportResult", "PERMISSION", "history_import", "job_error_workbook_path", "job_import_start",
    "job_progress", "job_upload", "rows_check", "template_write", "workbook_check",
]


class ImportRefused(ServiceError):
    """The file (or a row of it) cannot be imported; nothing was written."""


@dataclass
class CheckResult:
    total: int = 0
    valid: int = 0
    existing: int = 0
    errors: dict = field(default_factory=dict)  # row number → [(column key, message)]
    lookup: object = None
    plan: dict = field(default_factory=dict)  # (registering org id, year) → cases to number
    excluded: set = field(default_factory=set)  # rows written to the spool but not to import after all

    @property
    def error_rows(self):
        return len(self.errors)

    def add_error(self, row, key, message):
        self.errors.setdefault(row, []).append((key, message))

    def preview(self, limit=PREVIEW_ERRORS):
        out = []
        for row in sorted(self.errors)[:limit]:
            for key, message in self.errors[row]:
                header = COLUMNS[INDEX[key]].header if key in INDEX else ""
                cell = f"{column_letter(INDEX[key])}{row}" if key in INDEX else str(row)
                out.append({"row": row, "cell": cell, "column": header, "message": str(message)})
        return out


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    existing: int = 0
    skipped_errors: int = 0
    dry_run: bool = False
    check: CheckResult = None

    def as_dict(self):
        return {"total": self.total, "created": self.created, "existing": self.existing,
                "skipped_errors": self.skipped_errors}


def _limits():
    return (getattr(settings, "HISTORY_IMPORT_MAX_BYTES", 100 * 1024 * 1024),
            getattr(settings, "HISTORY_IMPORT_MAX_MEMBERS", 1000),
            getattr(settings, "HISTORY_IMPORT_MAX_UNCOMPRESSED", 1024 * 1024 * 1024),
            getattr(settings, "HISTORY_IMPORT_MAX_ROWS", 100_000))


# ---------------------------------------------------------------- refusals

def _refusal(exc, name):
    code, p = exc.code, exc.params
    if code == "zip_bomb":
        detail = (_("压缩包内有%(count)d个文件") % {"count": p["members"]} if "members" in p
                  else _("解压后达 %(size)s") % {"size": filesizeformat(p["size"])})
        message = _("“%(name)s”已拒收：文件结构异常（%(detail)s，疑似压缩炸弹）。") % {"name": name, "detail": detail}
    elif code == "external_links":
        message = _("“%(name)s”已拒收：工作簿含外部链接或数据连接，请复制后“选择性粘贴为数值”到新的模板中。") % {"name": name}
    elif code == "macros":
        message = _("“%(name)s”已拒收：工作簿含宏，请另存为不含宏的 .xlsx 文件。") % {"name": name}
    elif code == "sheet_missing":
        message = _("“%(name)s”已拒收：找不到“%(sheet)s”工作表，请使用本系统下载的导入模板。") % {
            "name": name, "sheet": p.get("sheet")}
    else:
        message = _("“%(name)s”已拒收：不是有效的 .xlsx 文件（.xls、加密或损坏的文件不能导入，请用 Excel 另存为 .xlsx）。") % {
            "name": name}
    return ImportRefused(message, code=code)


def _audit_refused(*, actor, request, code, name, sha256="", detail=None):
    audit_record(action="case.history_import", actor=actor, request=request, succeeded=False,
                 summary=f"refused {code}", data={"code": code, "sha256": sha256, **(detail or {})})


def workbook_check(path, *, name):
    """Open ``path`` after the container checks (module docstring, step 1); return the open
    ``Workbook``. Raises ``ImportRefused``."""
    max_bytes, max_members, max_uncompressed, _rows = _limits()
    size = os.path.getsize(path)
    if size > max_bytes:
        raise ImportRefused(_("“%(name)s”已拒收：文件超过 %(limit)s。") % {
            "name": name, "limit": filesizeformat(max_bytes)}, code="too_large")
    try:
        workbook = workbook_open(path, max_members=max_members, max_uncompressed=max_uncompressed)
    except XlsxRejected as exc:
        raise _refusal(exc, name) from None
    try:
        _check_template(workbook, name)
    except BaseException:
        workbook.close()
        raise
    return workbook


def _check_template(workbook, name):
    if META_SHEET not in workbook.sheets or DATA_SHEET not in workbook.sheets:
        raise ImportRefused(_("“%(name)s”已拒收：不是本系统的历史数据导入模板，请下载模板后按模板填写。") % {"name": name},
                            code="not_template")
    try:
        meta = next(workbook.iter_rows(META_SHEET), (1, []))[1]
        header = next(workbook.iter_rows(DATA_SHEET), (1, []))[1]
    except (XlsxRejected, zipfile.BadZipFile, ValueError, IndexError, KeyError):
        raise ImportRefused(_("“%(name)s”已拒收：不是有效的 .xlsx 文件。") % {"name": name}, code="not_xlsx") from None
    if not meta or meta[0] != TEMPLATE_MARK:
        raise ImportRefused(_("“%(name)s”已拒收：不是本系统的历史数据导入模板，请下载模板后按模板填写。") % {"name": name},
                            code="not_template")
    version = str(meta[1] if len(meta) > 1 else "")
    if version != TEMPLATE_VERSION:
        raise ImportRefused(_("“%(name)s”已拒收：模板版本不符（文件为第%(found)s版，当前为第%(current)s版），请重新下载模板并把数据复制进去。") % {
            "name": name, "found": version or "?", "current": TEMPLATE_VERSION}, code="template_version")
    header = [str(v).strip() if v is not None else "" for v in header]
    while header and header[-1] in ("", ERROR_HEADER):
        header.pop()
    for index, expected in enumerate(HEADERS):
        found = header[index] if index < len(header) else ""
        if found != expected:
            raise ImportRefused(_("“%(name)s”第1行表头与模板不符：%(cell)s 应为“%(expected)s”，现为“%(found)s”。请勿增删、调换模板的列。") % {
                "name": name, "cell": f"{column_letter(index)}1", "expected": expected, "found": found},
                code="header")
    if len(header) > len(HEADERS):
        raise ImportRefused(_("“%(name)s”第1行表头与模板不符：%(cell)s 多出一列“%(found)s”。") % {
            "name": name, "cell": f"{column_letter(len(HEADERS))}1", "found": header[len(HEADERS)]}, code="header")


# ---------------------------------------------------------------- row checks

def _scope(actor, org):
    """The subtree inside which cases may be registered and assigned: the importer's jurisdiction;
    on the command line, the chosen organization's (everything without one)."""
    if actor is not None and getattr(actor, "organization", None) is not None:
        return actor.organization.jurisdiction_path
    return org.jurisdiction_path if org is not None else ""


class _Spool:
    """Checked rows waiting for the write, pickled to an anonymous temporary file (removed when
    closed, even after a crash) so that 100,000 rows never sit in memory at once."""

    def __init__(self):
        directory = Path(settings.PRIVATE_STORAGE_ROOT) / ".imports"
        directory.mkdir(parents=True, exist_ok=True)
        self.file = tempfile.TemporaryFile(dir=directory)

    def add(self, row, values):
        # Organizations by id: pickling model instances would cost more than everything else.
        for key in ORG_KEYS:
            if values.get(key) is not None:
                values[key] = values[key].pk
        pickle.dump((row, values), self.file, protocol=pickle.HIGHEST_PROTOCOL)

    def rows(self, orgs):
        self.file.seek(0)
        while True:
            try:
                row, values = pickle.load(self.file)
            except EOFError:
                return
            for key in ORG_KEYS:
                if values.get(key) is not None:
                    values[key] = orgs[values[key]]
            yield row, values

    def close(self):
        self.file.close()


def rows_check(workbook, *, name, actor, default_org, progress=None, spool=None):
    """Check every data row of an opened workbook (module docstring, step 2); return a
    ``CheckResult``. With ``spool``, rows without error are kept there for the write (rows later
    found to be already imported, or to name an unknown 初访编号, are listed in ``excluded``).
    Raises ``ImportRefused`` for more rows than ``HISTORY_IMPORT_MAX_ROWS`` or an unreadable sheet."""
    max_rows = _limits()[3]
    lookup = Lookup(scope_path=_scope(actor, default_org))
    today = clock.today()
    result = CheckResult(lookup=lookup)
    seen = {}  # (org id, source number) → first row
    batch = []  # rows waiting for the database duplicate check: (row, org id, source number)
    references = []  # (row, reference, org id)
    file_sources = {}
    estimate = workbook.dimension_rows(DATA_SHEET)
    estimate = max(estimate - 1, 0) if estimate else None
    last_report = 0.0

    def check_batch():
        if not batch:
            return
        sources = {source for _r, _o, source, _y in batch}
        present = set(Case.objects.filter(source_number__in=sources).values_list("registered_org_id", "source_number"))
        for row, org_id, source, year in batch:
            if (org_id, source) in present:
                result.existing += 1
                result.valid -= 1
                result.excluded.add(row)
                result.plan[(org_id, year)] -= 1
        batch.clear()

    try:
        for number, cells in workbook.iter_rows(DATA_SHEET):
            if number == 1:
                continue
            if not any(v not in (None, "") for v in cells[:len(COLUMNS)]):
                continue  # an empty row (formatting only)
            result.total += 1
            if result.total > max_rows:
                raise ImportRefused(_("“%(name)s”已拒收：数据超过%(max)d行的上限（在第%(row)d行），请分成几个文件导入。") % {
                    "name": name, "max": max_rows, "row": number}, code="too_many_rows")
            values, errors = row_check(cells, lookup=lookup, default_org=default_org, today=today)
            org = values.get("registered_org")
            source = values.get("source_number")
            if source and org is not None:
                key = (org.pk, source)
                if key in seen:
                    errors.append(("source_number", _("原编号与第%(row)d行重复。") % {"row": seen[key]}))
                else:
                    seen[key] = number
                    file_sources.setdefault(source, []).append(org.pk)
            for key, message in errors:
                result.add_error(number, key, message)
            if errors:
                continue
            result.valid += 1
            year = timezone.localdate(values["registered_at"]).year
            result.plan[(org.pk, year)] = result.plan.get((org.pk, year), 0) + 1
            if values.get("first_case"):
                references.append((number, values["first_case"], (org.pk, year)))
            batch.append((number, org.pk, source, year))
            if spool is not None:
                spool.add(number, values)  # (organizations become ids: ``org`` is kept above)
            if len(batch) >= DB_BATCH:
                check_batch()
            if progress is not None and time.monotonic() - last_report > 0.5:
                last_report = time.monotonic()
                progress("check", result.total, estimate)
        check_batch()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ImportRefused(_("“%(name)s”已拒收：文件内容损坏（%(error)s）。") % {"name": name, "error": exc.__class__.__name__},
                            code="corrupt") from None
    _check_references(references, file_sources, actor, result)
    if progress is not None:
        progress("check", result.total, result.total)
    return result


def _check_references(references, file_sources, actor, result):
    """A 初访编号 names a case of the file (its 原编号) or, in the database, a case the importer may
    see (by number or 原编号)."""
    wanted = {ref for _row, ref, _key in references if ref not in file_sources}
    known = set()
    wanted = list(wanted)
    for i in range(0, len(wanted), DB_BATCH):
        chunk = wanted[i:i + DB_BATCH]
        qs = case_visible_qs(actor) if actor is not None else Case.objects.all()
        for number, source in qs.filter(Q(number__in=chunk) | Q(source_number__in=chunk)).values_list(
                "number", "source_number"):
            known.update({number, source})
    for row, ref, plan_key in references:
        if ref in file_sources or ref in known or row in result.excluded:
            continue
        result.plan[plan_key] -= 1
        result.add_error(row, "first_case", _("初访编号“%(number)s”既不是本文件中的原编号，也不是本系统中可查到的信访件。") % {
            "number": ref})
        result.valid -= 1
        result.excluded.add(row)


def _resolve_first_case(actor):
    def resolve(reference, org_id, written):
        case_id = written.get((org_id, reference))
        if case_id is None:
            case_id = next((pk for (o, s), pk in written.items() if s == reference), None)
        if case_id is None:
            qs = case_visible_qs(actor) if actor is not None else Case.objects.all()
            case_id = qs.filter(Q(number=reference) | Q(source_number=reference)).values_list("pk", flat=True).first()
        return case_id
    return resolve


# ---------------------------------------------------------------- import

def _system_users():
    cache = {}

    def user_for(org):
        if org.pk not in cache:
            cache[org.pk] = system_account_ensure(username=f"{SYSTEM_USERNAME_PREFIX}{org.code}", organization=org,
                                                  real_name=SYSTEM_ACTOR_NAME)
        return cache[org.pk]
    return user_for


def _require(actor):
    if actor is None:
        return  # the command line: shell access is the operator's
    if not actor.has_perm(PERMISSION):
        raise NotAllowed(_("您没有导入历史数据的权限。"))
    if actor.organization is None:
        raise NotAllowed(_("您的账号未分配机构，不能导入历史数据。"))


def history_import(*, path, name, actor=None, default_org=None, only_valid=False, dry_run=False, progress=None,
                   request=None, job=None, sha256=""):
    """Check and import the workbook at ``path`` (module docstring); return an ``ImportResult``.

    ``actor`` None is the command line (``manage.py import_history``); a user needs
    ``petitions.import_history`` (``NotAllowed``) and imports within his jurisdiction.
    ``default_org`` registers rows without a 登记机构. ``dry_run`` checks only (nothing written, no
    audit row). Raises ``ImportRefused`` — nothing written, a failed audit row — for a refused file,
    for more rows than allowed, and for row errors unless ``only_valid``. Writes in one transaction:
    the cases and their records (``writer``), one ``case.history_import`` audit row with the counts
    and, with ``job``, the job's outcome."""
    _require(actor)
    spool = None if dry_run else _Spool()
    try:
        try:
            with workbook_check(path, name=name) as workbook:
                check = rows_check(workbook, name=name, actor=actor, default_org=default_org, progress=progress,
                                   spool=spool)
        except ImportRefused as exc:
            if not dry_run:
                _audit_refused(actor=actor, request=request, code=exc.code, name=name, sha256=sha256)
            raise
        result = ImportResult(total=check.total, existing=check.existing, skipped_errors=check.error_rows,
                              dry_run=dry_run, check=check)
        if dry_run:
            return result
        if check.errors and not only_valid:
            _audit_refused(actor=actor, request=request, code="row_errors", name=name, sha256=sha256,
                           detail={"rows": check.total, "error_rows": check.error_rows})
            raise ImportRefused(_("“%(name)s”有%(count)d行有误，未导入任何数据：请按错误清单改正后重新上传，或明确选择只导入无误的行。") % {
                "name": name, "count": check.error_rows}, code="row_errors")
        try:
            with transaction.atomic():
                rows = (values for row, values in spool.rows(check.lookup.orgs) if row not in check.excluded)
                options = {"actor": actor, "system_user": _system_users(), "job_id": job.pk if job else None}
                if connection.vendor == "postgresql":
                    writer = CopyWriter(**options)
                    writer.write(rows, plan={k: n for k, n in check.plan.items() if n > 0}, orgs=check.lookup.orgs,
                                 progress=progress, total=check.valid)
                else:
                    writer = Writer(**options)
                    for done, values in enumerate(rows, start=1):
                        writer.add(values)
                        if progress is not None and done % DB_BATCH == 0:
                            progress("import", done, check.valid)
                result.created = writer.finish(_resolve_first_case(actor))
                audit_record(
                    action="case.history_import", actor=actor, request=request, target=job,
                    summary=f"+{result.created} ={result.existing} !{result.skipped_errors}",
                    data={**result.as_dict(), "sha256": sha256, "only_valid": only_valid,
                          "org": default_org.code if default_org else None})
                cases_changed(writer.by_source.values())
                if job is not None:
                    HistoryImport.objects.filter(pk=job.pk).update(
                        state=HistoryImportState.DONE, created_count=result.created, existing_rows=result.existing,
                        finished_at=timezone.now(), message="")
        except IntegrityError:
            # Another import of the same 原编号 committed first: nothing of this one was written.
            _audit_refused(actor=actor, request=request, code="concurrent", name=name, sha256=sha256)
            raise ImportRefused(_("另一次导入同时写入了相同的原编号，本次未导入任何数据，请重新导入（已导入的行将跳过）。"),
                                code="concurrent") from None
        if progress is not None:
            progress("import", check.valid, check.valid)
        return result
    finally:
        if spool is not None:
            spool.close()


# ---------------------------------------------------------------- jobs (the page)

def _imports_dir():
    directory = Path(settings.PRIVATE_STORAGE_ROOT) / ".imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _job_path(job, suffix=".xlsx"):
    return _imports_dir() / f"{job.stored_name}{suffix}"


def job_error_workbook_path(job):
    """The error workbook of ``job`` (a ``Path``), or None."""
    path = _job_path(job, ".errors.xlsx")
    return path if job.has_error_workbook and path.exists() else None


def _progress_writer(job):
    path = _job_path(job, ".progress.json")

    def report(phase, done, total):
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"phase": phase, "done": done, "total": total, "at": time.time()}))
        os.replace(tmp, path)
    return report


def job_progress(job):
    """What the page's progress bar shows: ``{"state", "phase", "done", "total", "percent",
    "finished", "stale"}``."""
    job.refresh_from_db()
    data = {"state": job.state, "label": str(job.get_state_display()), "phase": "", "done": 0, "total": None,
            "percent": 0, "finished": job.state not in (HistoryImportState.CHECKING, HistoryImportState.IMPORTING),
            "stale": False}
    path = _job_path(job, ".progress.json")
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError):
        report = None
    if report and not data["finished"]:
        data.update(phase=report["phase"], done=report["done"], total=report["total"])
        if report["total"]:
            data["percent"] = min(100, int(report["done"] * 100 / report["total"]))
    if data["finished"]:
        data["percent"] = 100
    else:
        started = report["at"] if report else job.updated_at.timestamp()
        data["stale"] = time.time() - started > STALE_SECONDS
    return data


def _run_later(target, job_id):
    """Run ``target(job_id)`` after the current transaction commits: in a background thread, or
    in the same request with ``HISTORY_IMPORT_INLINE`` (tests) and on SQLite (development), which
    allows one writer: an import's transaction there would lock every request that saves its
    session until it commits."""
    if getattr(settings, "HISTORY_IMPORT_INLINE", False) or connection.vendor == "sqlite":
        transaction.on_commit(lambda: target(job_id))
        return

    def work():
        try:
            target(job_id)
        finally:
            connections.close_all()

    transaction.on_commit(lambda: threading.Thread(target=work, name=f"history-import-{job_id}", daemon=False).start())


def job_files_sweep(*, now=None):
    """Delete the files of uploads left unimported for ``KEEP_DAYS`` (they hold personal data);
    the job rows stay, with their counts. Returns how many jobs were swept."""
    cutoff = (now or timezone.now()) - timedelta(days=KEEP_DAYS)
    old = HistoryImport.objects.filter(updated_at__lt=cutoff).exclude(
        state__in=[HistoryImportState.CHECKING, HistoryImportState.IMPORTING])
    swept = 0
    for job in old.only("id", "stored_name"):
        found = False
        for suffix in (".xlsx", ".errors.xlsx", ".progress.json"):
            path = _job_path(job, suffix)
            if path.exists():
                path.unlink(missing_ok=True)
                found = True
        swept += found
    old.filter(has_error_workbook=True).update(has_error_workbook=False)
    return swept


def job_upload(*, actor, upload, org, request=None):
    """Accept an uploaded workbook for checking; return the ``HistoryImport`` (state 检查中).

    Preconditions: ``actor`` holds ``petitions.import_history`` (``NotAllowed``); ``org`` (the
    default registering organization) lies in his jurisdiction. The container checks run at once
    (``ImportRefused``, with a failed audit row, nothing kept); the rows are checked in the
    background (``job_check_run``)."""
    _require(actor)
    if org is None or not org.path.startswith(actor.organization.jurisdiction_path):
        raise ServiceError(_("请选择本人管辖范围内的登记机构。"), field="org", code="org_scope")
    job_files_sweep()
    name = os.path.basename(upload.name or "upload.xlsx")[:200]
    max_bytes = _limits()[0]
    if upload.size and upload.size > max_bytes:
        _audit_refused(actor=actor, request=request, code="too_large", name=name)
        raise ImportRefused(_("“%(name)s”已拒收：文件超过 %(limit)s。") % {
            "name": name, "limit": filesizeformat(max_bytes)}, code="too_large", field="file")
    stored = secrets.token_hex(16)
    path = _imports_dir() / f"{stored}.xlsx"
    digest = hashlib.sha256()
    size = 0
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > max_bytes:
                break
            digest.update(chunk)
            out.write(chunk)
    try:
        if size > max_bytes:
            raise ImportRefused(_("“%(name)s”已拒收：文件超过 %(limit)s。") % {
                "name": name, "limit": filesizeformat(max_bytes)}, code="too_large", field="file")
        workbook_check(path, name=name).close()
    except ImportRefused as exc:
        path.unlink(missing_ok=True)
        _audit_refused(actor=actor, request=request, code=exc.code, name=name, sha256=digest.hexdigest())
        raise
    with transaction.atomic():
        job = HistoryImport.objects.create(created_by=actor, org=org, original_name=name, stored_name=stored,
                                           size=size, sha256=digest.hexdigest(), state=HistoryImportState.CHECKING)
        _run_later(job_check_run, job.pk)
    return job


def _error_map(check):
    """{row: {column index: message}} for the error workbook."""
    out = {}
    for row, errors in check.errors.items():
        cells = out.setdefault(row, {})
        for key, message in errors:
            index = INDEX.get(key, -1)
            cells[index] = f"{cells[index]}；{message}" if index in cells else str(message)
    return out


def job_check_run(job_id):
    """The background check of an uploaded workbook (no write but the job's own row): counts, the
    first errors for the preview and, when there are errors, the error workbook."""
    job = HistoryImport.objects.select_related("created_by__organization", "org").get(pk=job_id)
    path = _job_path(job)
    progress = _progress_writer(job)
    try:
        with workbook_check(path, name=job.original_name) as workbook:
            check = rows_check(workbook, name=job.original_name, actor=job.created_by, default_org=job.org,
                               progress=progress)
            has_errors = bool(check.errors)
            if has_errors:
                progress("errors", 0, None)
                header = next(workbook.iter_rows(DATA_SHEET))[1]
                rows = (item for item in workbook.iter_rows(DATA_SHEET) if item[0] > 1)
                with open(_job_path(job, ".errors.xlsx"), "wb") as out:
                    error_workbook_write(out, header=header, rows=rows, errors=_error_map(check))
        HistoryImport.objects.filter(pk=job.pk).update(
            state=HistoryImportState.CHECKED, total_rows=check.total, valid_rows=check.valid,
            error_rows=check.error_rows, existing_rows=check.existing, errors=check.preview(),
            has_error_workbook=has_errors, message="", updated_at=timezone.now())
    except ImportRefused as exc:
        _audit_refused(actor=job.created_by, request=None, code=exc.code, name=job.original_name, sha256=job.sha256)
        HistoryImport.objects.filter(pk=job.pk).update(state=HistoryImportState.REFUSED, message=exc.message,
                                                       finished_at=timezone.now())
        path.unlink(missing_ok=True)
    except Exception:
        logger.exception("history import %s: the check failed", job.pk)
        HistoryImport.objects.filter(pk=job.pk).update(state=HistoryImportState.FAILED,
                                                       message=_("检查过程中出现系统错误，请重新上传；如仍失败请联系系统管理员。"),
                                                       finished_at=timezone.now())


def job_import_start(*, actor, job, only_valid=False, request=None):
    """Start importing a checked workbook (state 已检查 → 导入中); the import runs in the background
    (``job_import_run``). Raises ``NotAllowed`` (right, or a job of another jurisdiction) and
    ``ServiceError`` (not checked yet, or rows with errors without ``only_valid``)."""
    _require(actor)
    if not job.org.path.startswith(actor.organization.jurisdiction_path):
        raise NotAllowed(_("您没有导入历史数据的权限。"))
    with transaction.atomic():
        locked = HistoryImport.objects.select_for_update().get(pk=job.pk)
        if locked.state != HistoryImportState.CHECKED:
            raise ServiceError(_("该文件当前不能导入（%(state)s）。") % {"state": locked.get_state_display()},
                               code="job_state")
        if locked.error_rows and not only_valid:
            raise ServiceError(_("有%(count)d行有误：请改正后重新上传，或勾选“仅导入无误的行”。") % {
                "count": locked.error_rows}, code="row_errors", field="only_valid")
        HistoryImport.objects.filter(pk=job.pk).update(state=HistoryImportState.IMPORTING, only_valid=only_valid,
                                                       created_by=actor, updated_at=timezone.now())
        _run_later(job_import_run, job.pk)


def job_import_run(job_id):
    """The background import of a checked job (``history_import`` with the job's options)."""
    job = HistoryImport.objects.select_related("created_by__organization", "org").get(pk=job_id)
    path = _job_path(job)
    try:
        history_import(path=path, name=job.original_name, actor=job.created_by, default_org=job.org,
                       only_valid=job.only_valid, progress=_progress_writer(job), job=job, sha256=job.sha256)
    except ImportRefused as exc:
        HistoryImport.objects.filter(pk=job.pk).update(state=HistoryImportState.FAILED, message=exc.message,
                                                       finished_at=timezone.now())
        return
    except Exception:
        logger.exception("history import %s failed", job.pk)
        HistoryImport.objects.filter(pk=job.pk).update(state=HistoryImportState.FAILED,
                                                       message=_("导入过程中出现系统错误，未导入任何数据；请重试，如仍失败请联系系统管理员。"),
                                                       finished_at=timezone.now())
        return
    # Imported: the file and its error workbook are personal data no longer needed here.
    for suffix in (".xlsx", ".errors.xlsx", ".progress.json"):
        _job_path(job, suffix).unlink(missing_ok=True)
    HistoryImport.objects.filter(pk=job.pk).update(has_error_workbook=False)


def job_mark_interrupted(job):
    """A job whose worker stopped reporting (the process ended): mark it 导入未完成 so the user can
    start again. The import's transaction never committed, so nothing was written."""
    HistoryImport.objects.filter(pk=job.pk, state__in=[HistoryImportState.CHECKING, HistoryImportState.IMPORTING]).update(
        state=HistoryImportState.FAILED, message=_("处理已中断（服务重启等），未导入任何数据，请重新开始。"),
        finished_at=timezone.now())
