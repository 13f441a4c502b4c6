"""Archiving a year of the partitioned logs: ``manage.py partitions --detach YEAR --to DIR``
(docs/architecture.md §4.4, docs/performance.md "Partitions").

The year's partition of each partitioned log (accounts/partitioning.py) leaves the database:

1. Checks: PostgreSQL; a year before last year (the current and the previous year stay); the
   year's partitions are the oldest attached ones (archives are taken in order, so the chains keep
   losing a prefix) and end with that year; ``verify_audit``'s full check passes.
2. One transaction: the partitions are locked against writes, the ranges of chain numbers that
   leave with them are computed (first, last and the hash of the last row of each run of ``seq``),
   the partitions are DETACHed (the three parents locked in the order the application writes them,
   audit log first), each detached table keeps an append-only guard of its own, a signed archive
   checkpoint records the ranges (``accounts/checkpoints.py``) and an audit row
   ``partition.detach`` records them too (keyed like every audit row, so a restored backup verifies
   without the checkpoint directory).
3. ``pg_dump -Fc -t`` of each detached table into ``DIR/<database>-<year>/``, then each dump is read
   back (``pg_restore --list`` and the number of data rows in it against the table's).
4. ``manifest.json`` (tables, ranges, rows, files with SHA-256 and size) and ``SHA256SUMS``
   (``sha256sum -c`` checks the directory).
5. One transaction: the detached tables are dropped and an audit row ``partition.archive`` records
   the manifest's SHA-256.

A run that stops after step 2 is resumed by the same command (the detached tables are found by
name). After it, ``verify_audit`` verifies each chain from the archive checkpoint at the end of the
archived range (``accounts.audit.verify_log``). The dumps are not encrypted and hold personal data:
DIR belongs on encrypted archive storage with the auditor's access only.
"""
import hashlib
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from datetime import timezone as dt_timezone
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts import partitioning
from accounts.append_only import pg_protect_detached
from accounts.audit import ARCHIVE_ACTION, audit_record, chained_models
from accounts.checkpoints import checkpoint_write, verify_all
from accounts.exceptions import ServiceError
from accounts.management.backups import _pg_env

ARCHIVED_ACTION = "partition.archive"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
MAX_RANGES = 1000  # runs of chain numbers one archive may record
# The order the application writes the logs in (an action's audit row, then its trail entry):
# DETACH locks them in this order, so it cannot deadlock with a writer.
WRITE_ORDER = ("accounts_auditlog", "petitions_caseevent", "petitions_caseview")


class ArchiveRefused(ServiceError):
    code = "partition_archive_refused"


@dataclass
class ArchiveResult:
    year: int
    directory: Path
    tables: dict = field(default_factory=dict)  # detached table -> rows
    archived: dict = field(default_factory=dict)  # chain -> [[first, last, hash]]
    checkpoint: str = ""
    manifest_sha256: str = ""
    timings: dict = field(default_factory=dict)  # step -> seconds


def _q(name):
    return connection.ops.quote_name(name)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def refuse_on_sqlite():
    if connection.vendor != "postgresql":
        raise ArchiveRefused(_("分区只用于 PostgreSQL 数据库：当前数据库是 %(vendor)s，审计日志、处理记录和个人信息查看记录"
                               "没有分区，partitions 命令不能在这里执行。") % {"vendor": connection.vendor})


def plan(year, *, today_year):
    """The partitions to archive for ``year``: ``[(parent, Partition)]`` (attached ones to detach,
    or detached tables an earlier run left). Refuses (``ArchiveRefused``) with the reason."""
    refuse_on_sqlite()
    if year >= today_year - 1:
        raise ArchiveRefused(_("不能归档当年和上一年（%(first)d年起）的数据：只能归档%(last)d年及以前的分区。")
                             % {"first": today_year - 1, "last": today_year - 2})
    chosen = []
    for parent in partitioning.partitioned_tables(connection):
        unfinished = [p for p in partitioning.detached_leftovers(connection, parent) if p.last_year < year]
        if unfinished:
            raise ArchiveRefused(_("%(name)s 已分离但未归档完：请先再次执行 --detach %(year)d。")
                                 % {"name": unfinished[0].name, "year": unfinished[0].last_year})
        left = [p for p in partitioning.detached_leftovers(connection, parent) if p.last_year == year]
        if left:
            chosen += [(parent, p) for p in left]
            continue
        attached = [p for p in partitioning.partitions(connection, parent) if not p.default]
        mine = [p for p in attached if p.last_year == year]
        if not mine:
            covering = next((p for p in attached if p.covers(year)), None)
            if covering is not None:
                raise ArchiveRefused(
                    _("%(year)d年的数据在分区 %(name)s（%(label)s）中，该分区只能整体归档：待可以时执行 --detach %(last)d。")
                    % {"year": year, "name": covering.name, "label": covering.label(), "last": covering.last_year})
            continue
        part = mine[0]
        older = [p for p in attached if p is not part and part.start is not None and p.end is not None
                 and p.end <= part.start]
        if older:
            raise ArchiveRefused(_("%(parent)s 还有更早的分区 %(name)s（%(label)s）：须先归档更早的年份。")
                                 % {"parent": parent, "name": older[0].name, "label": older[0].label()})
        chosen.append((parent, part))
    if not chosen:
        raise ArchiveRefused(_("没有%(year)d年的分区可以归档。") % {"year": year})
    return chosen


def _ranges(cursor, table):
    """Runs of consecutive ``seq`` in ``table``: [[first, last, row_hash of last], …]."""
    cursor.execute(f"SELECT min(seq), max(seq) FROM (SELECT seq, seq - row_number() OVER (ORDER BY seq) AS run "
                   f"FROM {_q(table)}) numbered GROUP BY run ORDER BY 1")
    runs = cursor.fetchall()
    if len(runs) > MAX_RANGES:
        raise ArchiveRefused(_("%(table)s 中的审计链序号分成了%(runs)d段，过于零散，不能归档：请先运行 verify_audit 检查。")
                             % {"table": table, "runs": len(runs)})
    found = []
    for first, last in runs:
        cursor.execute(f"SELECT row_hash FROM {_q(table)} WHERE seq = %s", [last])
        found.append([first, last, cursor.fetchone()[0]])
    return found


def _detach(year, chosen, *, actor, username, result):
    """Step 2: one transaction (see the module's docstring)."""
    chains = {model._meta.db_table: model.CHAIN for model in chained_models()}
    to_detach = sorted(((parent, part) for parent, part in chosen if part.attached),
                       key=lambda item: (WRITE_ORDER.index(item[0]) if item[0] in WRITE_ORDER else 99, item[0]))
    started = time.monotonic()
    report = verify_all()
    if not report.ok:
        raise ArchiveRefused(_("审计链校验未通过，不能归档：请先运行 verify_audit 查明原因。"))
    result.timings["verify"] = time.monotonic() - started
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        # Writes into the old partitions wait (there are none in practice: rows carry their time of writing).
        for _parent, part in to_detach:
            cursor.execute(f"LOCK TABLE {_q(part.name)} IN EXCLUSIVE MODE")
        for parent, part in to_detach:
            cursor.execute(f"SELECT count(*) FROM {_q(part.name)}")
            result.tables[part.name] = cursor.fetchone()[0]
            if parent in chains:
                result.archived[chains[parent]] = _ranges(cursor, part.name)
        result.timings["count and ranges"] = time.monotonic() - started
        started = time.monotonic()
        parents = [parent for parent, _part in to_detach]
        cursor.execute(f"LOCK TABLE {', '.join(_q(p) for p in parents)} IN ACCESS EXCLUSIVE MODE")
        for parent, part in to_detach:
            cursor.execute(f"ALTER TABLE {_q(parent)} DETACH PARTITION {_q(part.name)}")
            pg_protect_detached(cursor, part.name)
        archive = {"year": year, "archived": result.archived, "tables": result.tables}
        path = checkpoint_write(report.heads(), archive=archive)
        result.checkpoint = path.name
        audit_record(action=ARCHIVE_ACTION, actor=actor, username=username,
                     summary=_("归档%(year)d年的分区：已分离%(tables)s") % {"year": year, "tables": "、".join(result.tables)},
                     data={"year": year, "tables": result.tables, "archived": result.archived,
                           "checkpoint": result.checkpoint})
    result.timings["detach (logs locked)"] = time.monotonic() - started


def _run(command):
    completed = subprocess.run(command, env=_pg_env(connection.settings_dict), capture_output=True, text=True)
    if completed.returncode != 0:
        raise ArchiveRefused(_("%(tool)s 失败（退出码 %(code)d）：%(error)s")
                             % {"tool": command[0], "code": completed.returncode,
                                "error": completed.stderr.strip()[-2000:]})
    return completed.stdout


def _dump_rows(path, table):
    """Data rows of ``table`` in the custom-format dump at ``path`` (read back with pg_restore)."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(["pg_restore", "--data-only", f"--table={table}", "--file=-", str(path)],
                                   stdout=subprocess.PIPE, stderr=errors, env=_pg_env(connection.settings_dict))
        rows, inside = 0, False
        for line in process.stdout:
            if inside:
                if line.rstrip(b"\n") == b"\\.":
                    inside = False
                else:
                    rows += 1
            elif line.startswith(b"COPY "):
                inside = True
        code = process.wait()
        errors.seek(0)
        error = errors.read().decode("utf-8", "replace")
    if code != 0:
        raise ArchiveRefused(_("归档文件 %(file)s 无法读出：%(error)s") % {"file": path.name, "error": error.strip()[-2000:]})
    return rows


def _dump(year, chosen, target, result):
    """Steps 3 and 4: dumps read back, manifest and checksums. Returns the manifest's SHA-256."""
    database = connection.settings_dict["NAME"]
    entries = []
    for parent, part in chosen:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {_q(part.name)}")
            rows = cursor.fetchone()[0]
        result.tables.setdefault(part.name, rows)
        if rows != result.tables[part.name]:
            raise ArchiveRefused(_("%(table)s 分离后的行数（%(now)d）与分离时（%(then)d）不同，停止归档。")
                                 % {"table": part.name, "now": rows, "then": result.tables[part.name]})
        final = target / f"{part.name}.dump"
        partial = target / f".{part.name}.dump.part"
        partial.unlink(missing_ok=True)
        _run(["pg_dump", "--format=custom", f"--table={connection.ops.quote_name(part.name)}",
              f"--file={partial}", f"--dbname={database}"])
        os.chmod(partial, 0o600)
        os.replace(partial, final)
        _run(["pg_restore", "--list", str(final)])
        found = _dump_rows(final, part.name)
        if found != rows:
            raise ArchiveRefused(_("归档文件 %(file)s 中有%(found)d行，表中有%(rows)d行，停止归档（表未删除）。")
                                 % {"file": final.name, "found": found, "rows": rows})
        entries.append({"table": part.name, "parent": parent, "rows": rows,
                        "from": part.start.isoformat() if part.start else None, "to": part.end.isoformat(),
                        "file": final.name, "size": final.stat().st_size, "sha256": _sha256(final)})
    manifest = {
        "format": 1, "kind": "xinfang partition archive", "year": year, "database": database,
        "created": datetime.now(dt_timezone.utc).isoformat(timespec="seconds"),
        "time_zone": settings.TIME_ZONE, "dump_tool": _run(["pg_dump", "--version"]).strip(),
        "tables": entries, "archived": result.archived, "checkpoint": result.checkpoint,
        "restore": ("createdb <scratch>; "
                    "pg_restore --no-owner --section=pre-data --section=data --dbname=<scratch> <file>"),
    }
    path = target / MANIFEST
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    sums = [f"{entry['sha256']}  {entry['file']}" for entry in entries] + [f"{_sha256(path)}  {MANIFEST}"]
    (target / SUMS).write_text("\n".join(sums) + "\n", encoding="ascii")
    os.chmod(target / SUMS, 0o600)
    return _sha256(path)


def _manifest_matches(target, chosen):
    """Whether ``target`` holds the complete archive of exactly the detached tables of ``chosen``
    (every dump with the size and SHA-256 its manifest names)."""
    if any(part.attached for _parent, part in chosen):
        return False
    try:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
        entries = {entry["table"]: entry for entry in manifest["tables"]}
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if set(entries) != {part.name for _parent, part in chosen}:
        return False
    return all((target / e["file"]).is_file() and _sha256(target / e["file"]) == e["sha256"] for e in entries.values())


def archive_year(year, directory, *, actor=None, username="", today_year):
    """Archive ``year`` into ``directory`` (the steps of the module's docstring); returns an
    ``ArchiveResult``. Refusals are ``ArchiveRefused`` with the reason; nothing is dropped unless
    every dump was read back complete."""
    chosen = plan(year, today_year=today_year)
    target = Path(directory) / f"{Path(str(connection.settings_dict['NAME'])).name}-{year}"
    complete = (target / MANIFEST).exists()
    if complete and not _manifest_matches(target, chosen):
        raise ArchiveRefused(_("%(dir)s 中已有%(year)d年的归档清单，不覆盖。") % {"dir": target, "year": year})
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    result = ArchiveResult(year, target)
    if any(part.attached for _parent, part in chosen):
        _detach(year, chosen, actor=actor, username=username, result=result)
    else:  # resumed: the detach was recorded by the audit row
        from accounts.models import AuditLog

        row = AuditLog.objects.filter(action=ARCHIVE_ACTION, data__year=year).order_by("-seq").first()
        if row is not None:
            result.tables, result.archived = dict(row.data.get("tables", {})), row.data.get("archived", {})
            result.checkpoint = row.data.get("checkpoint", "")
    started = time.monotonic()
    if complete:  # an earlier run wrote and checked the archive, then stopped before dropping
        result.manifest_sha256 = _sha256(target / MANIFEST)
    else:
        result.manifest_sha256 = _dump(year, chosen, target, result)
    result.timings["dump and read back"] = time.monotonic() - started
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        for _parent, part in chosen:
            cursor.execute(f"DROP TABLE {_q(part.name)}")
        audit_record(action=ARCHIVED_ACTION, actor=actor, username=username,
                     summary=_("%(year)d年的分区已归档到 %(dir)s 并从数据库删除") % {"year": year, "dir": target},
                     data={"year": year, "directory": str(target), "manifest_sha256": result.manifest_sha256,
                           "tables": result.tables})
    result.timings["drop"] = time.monotonic() - started
    return result


def ensure_partitions(*, years, actor=None, username=""):
    """Create the partitions of ``years`` for every partitioned log (``--ensure``, nightly;
    idempotent). Returns ``partitioning.ensure``'s list; the partitions created are audited
    (``partition.create``)."""
    refuse_on_sqlite()
    results = partitioning.ensure(connection, years)
    created = [name for _parent, _year, name, reason in results if reason is None]
    if created:
        audit_record(action="partition.create", actor=actor, username=username,
                     summary=_("新建分区：%(names)s") % {"names": "、".join(created)},
                     data={"created": created, "years": list(years)})
    return results
