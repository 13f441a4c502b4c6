"""Backups of the database and the stored files, and their restore (README, "备份与恢复 / Backup and restore").

An archive is an uncompressed tar, encrypted as a whole (``backup_crypto``), with these members:

- ``db.dump`` (PostgreSQL, ``pg_dump -Fc``) or ``db.sqlite3`` (SQLite, a copy made with the SQLite
  online backup API): the whole database;
- ``files/<root>/<path>``: every file under each file store (``private`` = ``PRIVATE_STORAGE_ROOT``:
  case attachments and bulletin files; ``documents`` = ``DOCUMENT_ROOT`` when that setting exists;
  ``exchange`` = ``EXCHANGE_ROOT``: the packages written for other instances and not yet acknowledged,
  and the packages held until the ones before them arrive), except the stores' staging directories,
  files being written (``*.part``) and the signing keys the archives leave out (``SECRET_SETTINGS``:
  a key file kept inside a store, and its retired copies, stays out);
- ``manifest.json``, last: creation time, versions, the applied migrations, the row count of every
  table, the audit chain head, and the SHA-256 and size of every other member.

Consistency. On PostgreSQL the row counts and the audit head are read in a REPEATABLE READ
transaction whose snapshot ``pg_dump --snapshot`` shares, so the manifest describes exactly the
dump; on SQLite they are read from the copy itself. The database is copied before the files: stored
files are immutable and outlive their rows, so every file a dumped row names is still there when
the files are copied (a file removed in between, e.g. a bulletin file replaced during the backup,
is listed under ``vanished``; files added in between are harmless extras).

This module knows nothing of the apps above ``accounts``: it counts every table it finds, and the
audit chain is checked by calling ``verify_audit``.
"""
import hashlib
import io
import json
import os
import platform
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings

from accounts.management.backup_crypto import BackupError, DecryptingReader, EncryptingWriter

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
MANIFEST_MAX_BYTES = 256 * 1024 * 1024
DB_PARTS = {"postgresql": "db.dump", "sqlite": "db.sqlite3"}
# (label in the archive, setting naming the directory). A setting that is absent or empty is skipped.
FILE_ROOTS = (("private", "PRIVATE_STORAGE_ROOT"), ("documents", "DOCUMENT_ROOT"), ("exchange", "EXCHANGE_ROOT"))
# Key files never archived, wherever they are kept (README, "Encryption and the key": they are kept apart
# from the backups): the exchange signing key (with its ``.retired-<time>`` copies) and the checkpoint
# signing key.
SECRET_SETTINGS = ("EXCHANGE_PRIVATE_KEY_PATH", "AUDIT_SIGNING_KEY_PATH")
NAME_PATTERN = re.compile(r"^xf-backup-(\d{8}T\d{6}Z)\.xfbk$")
COPY_CHUNK = 1024 * 1024
SQLITE_LOCK_WAIT_SECONDS = 120


# ---------------------------------------------------------------------------------------------
# Files


def file_roots():
    """``[(label, Path)]`` of the file stores this installation has."""
    roots = []
    for label, setting in FILE_ROOTS:
        value = getattr(settings, setting, None)
        if value:
            roots.append((label, Path(value)))
    return roots


def _skipped_top(name):
    # Uploads being staged (attachments.STAGING_DIR) and an interrupted restore's staging area.
    return name == ".staging" or name.startswith(".restore-")


def _secret_keys():
    return [Path(value).resolve() for name in SECRET_SETTINGS if (value := getattr(settings, name, None))]


def _skipped_file(path, keys):
    """A file being written (``.part``), or a signing key (or one of its retired copies)."""
    if path.name.endswith(".part"):
        return True
    resolved = path.resolve()
    return any(resolved == key or (resolved.parent == key.parent and resolved.name.startswith(key.name + "."))
               for key in keys)


def iter_files(root):
    """Yield ``(relative posix path, Path)`` of every regular file under ``root``, sorted, without
    staging directories, files being written and signing keys; symbolic links are not followed."""
    root = Path(root)
    if not root.is_dir():
        return
    keys = _secret_keys()
    for current, dirs, files in os.walk(root):
        here = Path(current)
        if here == root:
            dirs[:] = [d for d in dirs if not _skipped_top(d)]
        dirs.sort()
        for name in sorted(files):
            path = here / name
            if path.is_file() and not path.is_symlink() and not _skipped_file(path, keys):
                yield path.relative_to(root).as_posix(), path


class _HashingReader:
    def __init__(self, handle):
        self.handle = handle
        self.sha256 = hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.sha256.update(data)
        return data


def _add_file(tar, arcname, path):
    with open(path, "rb") as handle:
        info = tar.gettarinfo(arcname=arcname, fileobj=handle)
        info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    return {"sha256": reader.sha256.hexdigest(), "size": info.size}


# ---------------------------------------------------------------------------------------------
# Database: inventory, dump, restore


def _pg_env(settings_dict):
    """Environment for pg_dump/pg_restore: the connection settings, the password never on the command line."""
    env = os.environ.copy()
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS") or {}
    for var, key in (("PGSSLMODE", "sslmode"), ("PGSSLROOTCERT", "sslrootcert")):
        if options.get(key):
            env[var] = str(options[key])
    return env


def _run(command, env=None):
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    return result.stdout


def _tables(cursor, vendor):
    if vendor == "postgresql":
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                       "ORDER BY name")
    return [row[0] for row in cursor.fetchall()]


def _json_value(value):
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def inventory(cursor, vendor):
    """What the manifest records of a database, read through a DB-API ``cursor``: the row count of
    every table, the applied migrations (per app: how many and the last by name) and the audit chain
    (row count, last id, and the chain head rows as stored: sequence and hash of each chain)."""
    tables = _tables(cursor, vendor)
    counts = {}
    for table in tables:
        cursor.execute('SELECT count(*) FROM "%s"' % table.replace('"', '""'))
        counts[table] = cursor.fetchone()[0]
    migrations = {}
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            entry = migrations.setdefault(app, {"applied": 0, "last": ""})
            entry["applied"] += 1
            entry["last"] = max(entry["last"], name)
    audit = {}
    log_table = apps.get_model("accounts", "AuditLog")._meta.db_table
    if log_table in counts:
        cursor.execute(f'SELECT max(id) FROM "{log_table}"')
        audit = {"rows": counts[log_table], "last_id": cursor.fetchone()[0] or 0, "heads": []}
        # The chain head rows as stored (sequence, last hash …), whatever columns they have.
        for table in _chain_head_tables():
            if table in counts:
                cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
                columns = [column[0] for column in cursor.description]
                audit["heads"] += [{"table": table, **{c: _json_value(v) for c, v in zip(columns, row)}}
                                   for row in cursor.fetchall()]
    return {"tables": counts, "migrations": migrations, "audit": audit}


def _chain_head_tables():
    return sorted(model._meta.db_table for model in apps.get_app_config("accounts").get_models()
                  if model.__name__.endswith("ChainHead"))


def _raw_connection(connection):
    """A new driver-level connection with the same parameters as ``connection``."""
    return connection.Database.connect(**connection.get_connection_params())


def _bounded_wait(seconds=SQLITE_LOCK_WAIT_SECONDS):
    """A progress callback for ``sqlite3.Connection.backup``, which retries a locked database
    forever: give up after ``seconds`` of being locked."""
    started = time.monotonic()

    def progress(status, remaining, total):
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() - started > seconds:
            raise BackupError(f"the SQLite database stayed locked for more than {seconds} s; try again later")

    return progress


def dump_database(connection, workdir):
    """Dump the database of ``connection`` into ``workdir``; return ``(part name, path, facts)``,
    ``facts`` being the inventory of exactly what was dumped plus version information."""
    vendor = connection.vendor
    if vendor not in DB_PARTS:
        raise BackupError(f"backups support PostgreSQL and SQLite, not {vendor}")
    if connection.in_atomic_block:
        raise BackupError("a backup must not run inside a transaction (another process could not see its rows)")
    part = DB_PARTS[vendor]
    path = Path(workdir) / part
    if vendor == "postgresql":
        raw = _raw_connection(connection)
        try:
            raw.autocommit = True
            cursor = raw.cursor()
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            facts = inventory(cursor, vendor)
            # The exporting transaction stays open until pg_dump has finished with its snapshot.
            _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}",
                  f"--dbname={connection.settings_dict['NAME']}"], env=_pg_env(connection.settings_dict))
            cursor.execute("COMMIT")
        finally:
            raw.close()
        tool = _run(["pg_dump", "--version"]).strip()
    else:
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target, progress=_bounded_wait())
            # One self-contained file, whatever the source's journal mode.
            target.execute("PRAGMA journal_mode=DELETE")
            facts = inventory(target.cursor(), vendor)
        finally:
            target.close()
        server_version = sqlite3.sqlite_version
        tool = f"SQLite online backup API {sqlite3.sqlite_version}"
    facts["database"] = {"vendor": vendor, "name": Path(str(connection.settings_dict["NAME"])).name,
                         "server_version": server_version, "dump_tool": tool}
    return part, path, facts


def database_objects(connection):
    """Names of the tables and views in the target database (empty for an empty database)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
                           "ORDER BY 1")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                           "AND name NOT LIKE 'sqlite_%' ORDER BY name")
        return [row[0] for row in cursor.fetchall()]


def wipe_database(connection):
    """Drop everything in the target (``restore --force``, for a drill database)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    # SQLite: the online backup API replaces the whole target database anyway.


def restore_database(connection, part_path):
    """Load a dumped database into the (empty) target of ``connection``, all or nothing."""
    if connection.vendor == "postgresql":
        # One transaction: a failure leaves the target as empty as it was. Objects belong to the
        # connecting (application) user; the source's owners and grants are not replayed.
        _run(["pg_restore", "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges",
              f"--dbname={connection.settings_dict['NAME']}", str(part_path)],
             env=_pg_env(connection.settings_dict))
    else:
        connection.ensure_connection()
        source = sqlite3.connect(f"file:{part_path}?mode=ro", uri=True)
        try:
            source.backup(connection.connection, progress=_bounded_wait())
        finally:
            source.close()
    connection.close()


# ---------------------------------------------------------------------------------------------
# Archive: write, read and check


def backup_name(created):
    return f"xf-backup-{created:%Y%m%dT%H%M%SZ}.xfbk"


def write_backup(*, connection, output_dir, key, work_dir=None, created=None):
    """Write one encrypted archive into ``output_dir``; return ``(path, manifest)``.

    The archive is written as ``<name>.partial`` (mode 0600) and renamed when complete and synced,
    so a name without ``.partial`` is always a whole archive. The plain database dump exists only
    in a private temporary directory under ``work_dir`` (default: the system's) while it is copied.
    """
    created = created or datetime.now(timezone.utc)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    final = output_dir / backup_name(created)
    if final.exists():
        raise BackupError(f"{final} exists already")
    partial = final.with_name(final.name + ".partial")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="xf-backup-", dir=work_dir) as tmp:
        part, dump_path, facts = dump_database(connection, tmp)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw:
                writer = EncryptingWriter(raw, key)
                parts, files, vanished = {}, {}, []
                with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    parts[part] = _add_file(tar, part, dump_path)
                    dump_path.unlink()
                    for label, root in file_roots():
                        summary = files.setdefault(label, {"count": 0, "bytes": 0})
                        for rel, path in iter_files(root):
                            arcname = f"files/{label}/{rel}"
                            try:
                                parts[arcname] = _add_file(tar, arcname, path)
                            except FileNotFoundError:
                                vanished.append(arcname)
                                continue
                            summary["count"] += 1
                            summary["bytes"] += parts[arcname]["size"]
                    manifest = {
                        "format": MANIFEST_FORMAT,
                        "created_at": created.isoformat(timespec="seconds"),
                        "host": socket.gethostname(),
                        "django": django.get_version(),
                        "python": platform.python_version(),
                        **facts,
                        "files": files,
                        "vanished": vanished,
                        "parts": parts,
                    }
                    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size, info.mode, info.mtime = len(data), 0o600, int(created.timestamp())
                    tar.addfile(info, io.BytesIO(data))
                writer.close()
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, final)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    manifest["seconds"] = round(time.monotonic() - started, 2)
    return final, manifest


def _member_target(name, db_part_names):
    """Classify an archive member name: ``("manifest"|"db"|"file", label, relative path)``; refuse
    anything else (absolute paths, ``..``, unknown names)."""
    if name == MANIFEST:
        return "manifest", None, None
    if name in db_part_names:
        return "db", None, None
    path = PurePosixPath(name)
    parts = path.parts
    if (len(parts) >= 3 and parts[0] == "files" and not path.is_absolute()
            and all(p not in ("", ".", "..") for p in parts) and "\\" not in name and "\x00" not in name):
        return "file", parts[1], PurePosixPath(*parts[2:]).as_posix()
    raise BackupError(f"backup archive holds an unexpected member {name!r}; nothing was restored")


def read_backup(path, key, *, db_dir=None, file_dirs=None, db_part=None):
    """Decrypt and unpack the archive at ``path``, checking everything; return ``(manifest, staged)``.

    ``db_dir``: where the database part is written; ``file_dirs``: ``{label: directory}`` where
    the files go (``None`` for both: check only, write nothing); ``db_part``: the database part the
    target can load (``db.dump`` for PostgreSQL, ``db.sqlite3`` for SQLite). ``staged`` is
    ``{"db": Path or None, "files": {label: [relative path, …]}}``. Raises ``BackupError`` on a
    wrong key, any altered or missing byte, a member the manifest does not list or lists otherwise,
    and a file store the archive has but this installation lacks.
    """
    checking_only = db_dir is None and file_dirs is None
    db_part_names = set(DB_PARTS.values())
    seen, manifest_bytes, staged = {}, None, {"db": None, "files": {}}
    with open(path, "rb") as raw:
        reader = DecryptingReader(raw, key)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                for member in tar:
                    kind, label, rel = _member_target(member.name, db_part_names)
                    if not member.isfile():
                        raise BackupError(f"backup archive member {member.name!r} is not a regular file")
                    if member.name in seen or (kind == "manifest" and manifest_bytes is not None):
                        raise BackupError(f"backup archive holds {member.name!r} twice")
                    if kind == "db" and db_part and member.name != db_part:
                        raise BackupError(f"the backup holds {member.name} but the target database needs "
                                          f"{db_part} (a PostgreSQL backup restores into PostgreSQL, a SQLite "
                                          f"one into SQLite); nothing was restored")
                    source = tar.extractfile(member)
                    if kind == "manifest":
                        if member.size > MANIFEST_MAX_BYTES:
                            raise BackupError("backup manifest is implausibly large")
                        manifest_bytes = source.read()
                        continue
                    target = None
                    if not checking_only:
                        if kind == "db":
                            target = Path(db_dir) / member.name
                            staged["db"] = target
                        else:
                            if label not in (file_dirs or {}):
                                raise BackupError(f"the backup holds files of the store {label!r}, which this "
                                                  f"installation does not configure; nothing was restored")
                            target = Path(file_dirs[label]) / rel
                            staged["files"].setdefault(label, []).append(rel)
                        target.parent.mkdir(parents=True, exist_ok=True)
                    seen[member.name] = _copy_hashing(source, target)
            reader.drain()
        except tarfile.TarError as exc:
            raise BackupError(f"backup archive is not a valid tar inside: {exc}") from exc
        if not reader.finished:
            raise BackupError("backup archive is cut off; nothing was restored")
    if manifest_bytes is None:
        raise BackupError("backup archive has no manifest; nothing was restored")
    manifest = json.loads(manifest_bytes)
    if manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"backup manifest format {manifest.get('format')} is not supported")
    listed = manifest.get("parts") or {}
    missing = sorted(set(listed) - set(seen))
    extra = sorted(set(seen) - set(listed))
    wrong = sorted(name for name in set(seen) & set(listed) if seen[name] != listed[name])
    if missing or extra or wrong:
        raise BackupError("backup archive does not match its manifest (missing: %s; not listed: %s; "
                          "wrong hash or size: %s); nothing was restored"
                          % (", ".join(missing[:5]) or "-", ", ".join(extra[:5]) or "-", ", ".join(wrong[:5]) or "-"))
    if not any(name in db_part_names for name in seen):
        raise BackupError("backup archive holds no database; nothing was restored")
    return manifest, staged


def _copy_hashing(source, target):
    digest, size = hashlib.sha256(), 0
    handle = open(target, "xb") if target is not None else None
    try:
        while chunk := source.read(COPY_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if handle is not None:
                handle.write(chunk)
    finally:
        if handle is not None:
            handle.close()
    return {"sha256": digest.hexdigest(), "size": size}


def staging_dir(root):
    """A fresh private directory inside the file store ``root``, for files being restored (same
    file system, so moving them into place is a rename)."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / f".restore-{secrets.token_hex(8)}"
    path.mkdir(mode=0o700)
    return path


def move_into_place(stage, root, rels):
    """Move staged files into the store; existing files of the same name are replaced (``--force``)."""
    for rel in rels:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / rel, target)


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Retention


def prune(output_dir, *, keep_daily, keep_monthly, protect=()):
    """Delete archives in ``output_dir`` that no retention rule keeps; return the deleted paths.

    Kept: the newest archive of each of the ``keep_daily`` most recent days that have one, the
    newest of each of the ``keep_monthly`` most recent months, and ``protect``. Only names this
    command writes (``xf-backup-<UTC time>.xfbk``) are considered.
    """
    entries = sorted(((m.group(1), p) for p in Path(output_dir).iterdir()
                      if (m := NAME_PATTERN.match(p.name)) and p.is_file()), reverse=True)
    keep = {Path(p) for p in protect}
    days, months = set(), set()
    for stamp, path in entries:
        day, month = stamp[:8], stamp[:6]
        if day not in days and len(days) < keep_daily:
            days.add(day)
            keep.add(path)
        if month not in months and len(months) < keep_monthly:
            months.add(month)
            keep.add(path)
    removed = [path for _, path in entries if path not in keep]
    for path in removed:
        path.unlink()
    return removed
