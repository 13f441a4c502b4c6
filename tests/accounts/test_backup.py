"""Backup and restore (README, "备份与恢复 / Backup and restore").

Attacks and accidents, each a test: losing the database and the files (the restore drill, on SQLite
and on PostgreSQL: a backup of a populated database restored by a fresh process into a fresh
database and directory has the same rows, the same attachment bytes and a verifying audit chain);
an altered, cut-off or re-ordered archive, or a wrong key (refused, nothing restored); a key kept
beside the backups, equal to the field-encryption key, readable by others or missing (refused);
a restore over live data (refused).
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from io import BytesIO, StringIO
from pathlib import Path

import psycopg2
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, router

from accounts.audit import audit_record
from accounts.management import backups
from accounts.management.backup_crypto import BackupError, DecryptingReader, EncryptingWriter, load_key
from accounts.models import AuditLog
from bulletin.models import BulletinKind
from bulletin.services import bulletin_save
from petitions.models import Attachment
from tests.petitions.intake_factories import dicts, letter_data, person, register

__all__ = ["dicts"]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROOT = Path(settings.BASE_DIR)


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def workdir():
    """A private temporary directory removed afterwards (pytest's tmp_path keeps old runs)."""
    path = Path(tempfile.mkdtemp(prefix="xf-backup-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def key_file(workdir):
    """A fresh backup key in a file of its own, apart from the backup directory."""
    path = workdir / "keys" / "backup.key"
    path.parent.mkdir(mode=0o700)
    path.write_text(os.urandom(32).hex())
    path.chmod(0o600)
    return path


@pytest.fixture
def store(settings, workdir):
    """The file stores of this test, empty: ``private`` (attachments, bulletin files), ``documents`` and
    ``exchange`` (packages between instances), with this instance's exchange signing key kept inside the
    exchange directory (which the archive must leave out)."""
    settings.PRIVATE_STORAGE_ROOT = workdir / "files-source" / "private"
    settings.DOCUMENT_ROOT = workdir / "files-source" / "documents"
    settings.EXCHANGE_ROOT = workdir / "files-source" / "exchange"
    settings.EXCHANGE_PRIVATE_KEY_PATH = settings.EXCHANGE_ROOT / "exchange_ed25519.key"
    return workdir / "files-source"


@pytest.fixture
def populated(store, dicts, clerk, triage):
    """Cases with attachments registered through the service, a bulletin with a file, audit rows."""
    for i in range(3):
        register(clerk, petitioners=[person(f"来访人{i}", seq=2 * i + 1, phone=f"1390887{i:04d}")],
                 files=[SimpleUploadedFile(f"材料{i}.pdf", PDF + f"case {i}".encode()),
                        SimpleUploadedFile(f"说明{i}.txt", f"情况说明 {i}".encode("gb18030"))])
    register(clerk, data=letter_data(), petitioners=[person("王芳", seq=24, phone="13800000000")])
    bulletin_save(actor=triage, kind=BulletinKind.NOTICE, title="关于备份演练的通知",
                  upload=SimpleUploadedFile("通知.pdf", PDF + b"bulletin", content_type="application/pdf"))
    audit_record(action="test.backup", summary="before the backup")
    frozen = Path(settings.DOCUMENT_ROOT) / "53390001" / "2026" / "receipt.pdf"  # an issued document's PDF
    frozen.parent.mkdir(parents=True)
    frozen.write_bytes(PDF + b"document")
    exchange_files(Path(settings.EXCHANGE_ROOT))
    assert Attachment.objects.count() == 6 and AuditLog.objects.count() > 5
    return store


# The exchange directory as an instance keeps it (docs/architecture.md §6.2): a package written for a peer
# and not yet acknowledged, a package held until the one before it arrives, and, kept there by this
# installation, the signing key with a retired copy and a package still being written. The last three stay
# out of the archive.
EXCHANGE_KEPT = {"outbox/533922/533900-533922-000003.zip": b"PK outbound package 3",
                 "inbox/533922/000005-0123456789abcdef.zip": b"PK held package 5"}
EXCHANGE_LEFT_OUT = {"exchange_ed25519.key": b"-----BEGIN PRIVATE KEY-----\nsecret\n",
                     "exchange_ed25519.key.retired-20260101000000": b"-----BEGIN PRIVATE KEY-----\nold\n",
                     "outbox/533922/533900-533922-000004.part": b"PK half written"}


def exchange_files(root):
    for rel, data in {**EXCHANGE_KEPT, **EXCHANGE_LEFT_OUT}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        (root / rel).write_bytes(data)


def kept_files(root):
    """What a restore must bring back of a file store: everything but what the archive leaves out."""
    return {rel: data for rel, data in files_of(root).items()
            if rel.removeprefix("exchange/") not in EXCHANGE_LEFT_OUT}


def make_backup(out, key_file):
    output = StringIO()
    call_command("backup", "--output-dir", str(out), "--key-file", str(key_file), stdout=output)
    [archive] = list(Path(out).glob("xf-backup-*.xfbk"))
    return archive, output.getvalue()


def source_counts():
    """Row count of every model table of this (the staff) database, read through the ORM (independently of
    the backup code); the suite keeps the internet-side portal's tables in a database of their own."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy and router.db_for_read(model) == "default":
            counts[model._meta.db_table] = model._default_manager.count()
    return counts


def files_of(root):
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in Path(root).rglob("*") if p.is_file() and ".staging" not in p.parts}


def run_restore(archive, key_file, workdir, database_url, files_dir, *extra):
    """``manage.py restore`` in a fresh process with its own database and file stores (under ``files_dir``)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.accounts.drill_settings", "DATABASE_URL": database_url,
           "XF_DRILL_FILES": str(files_dir)}
    env.pop("DJANGO_DATABASE_URL", None)
    return subprocess.run([sys.executable, "manage.py", "restore", str(archive), "--key-file", str(key_file),
                           "--work-dir", str(workdir), *extra], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


# ---------------------------------------------------------------------------------------------
# The drill


@pytest.mark.django_db(transaction=True)
def test_sqlite_restore_drill(populated, key_file, workdir):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite drill; PostgreSQL has its own")
    archive, output = make_backup(workdir / "out", key_file)
    assert "backup written" in output and archive.stat().st_mode & 0o777 == 0o600
    target_db, target_files = workdir / "restored.sqlite3", workdir / "files-restored"

    result = run_restore(archive, key_file, workdir, f"sqlite:///{target_db}", target_files)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK    verify_audit" in result.stdout
    import sqlite3

    restored = sqlite3.connect(target_db)
    try:
        for table, count in source_counts().items():
            assert restored.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == count, table
    finally:
        restored.close()
    assert files_of(target_files) == kept_files(populated) and len(files_of(target_files)) == 8 + len(EXCHANGE_KEPT)
    assert {f"exchange/{rel}" for rel in EXCHANGE_KEPT} <= set(files_of(target_files))
    assert not list(target_files.glob("*/.restore-*")) and not list(workdir.glob("xf-restore-*"))


TRIGGERS = ("SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal ORDER BY 1, 2")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_restore_drill(populated, key_file, workdir):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    params = connection.settings_dict
    server = dict(host=params["HOST"] or None, port=params["PORT"] or None, user=params["USER"] or None,
                  password=params["PASSWORD"] or None)
    drill = f"xf_drill_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(dbname="postgres", **server)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{drill}"')
        archive, _ = make_backup(workdir / "out", key_file)
        auth = f"{params['USER']}:{params['PASSWORD']}@" if params["PASSWORD"] else f"{params['USER']}@"
        url = f"postgres://{auth}{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{drill}"
        target_files = workdir / "files-restored"

        # An altered copy first: refused after the dump was read, the database still empty.
        tampered = workdir / "tampered.xfbk"
        data = bytearray(archive.read_bytes())
        data[-100] ^= 0x01
        tampered.write_bytes(bytes(data))
        refused = run_restore(tampered, key_file, workdir, url, target_files)
        assert refused.returncode != 0 and "nothing was restored" in refused.stderr, refused.stdout + refused.stderr
        with psycopg2.connect(dbname=drill, **server) as empty, empty.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            assert cursor.fetchone()[0] == 0
        empty.close()
        assert not files_of(target_files)

        result = run_restore(archive, key_file, workdir, url, target_files)

        assert result.returncode == 0, result.stdout + result.stderr
        restored = psycopg2.connect(dbname=drill, **server)
        try:
            with restored.cursor() as cursor:
                for table, count in source_counts().items():
                    cursor.execute(f'SELECT count(*) FROM "{table}"')
                    assert cursor.fetchone()[0] == count, table
                cursor.execute(TRIGGERS)
                restored_triggers = cursor.fetchall()
        finally:
            restored.close()
        with connection.cursor() as cursor:
            cursor.execute(TRIGGERS)
            assert restored_triggers == cursor.fetchall() != []  # the append-only triggers came back too
        assert files_of(target_files) == kept_files(populated)
        assert len(files_of(target_files)) == 8 + len(EXCHANGE_KEPT)

        # The same archive again into the now non-empty database: refused, nothing touched.
        again = run_restore(archive, key_file, workdir, url, workdir / "files-other")
        assert again.returncode != 0 and "not empty" in again.stderr, again.stdout + again.stderr
        assert not (workdir / "files-other").exists() or not files_of(workdir / "files-other")
        # A drill database may be overwritten on purpose.
        forced = run_restore(archive, key_file, workdir, url, workdir / "files-other", "--force")
        assert forced.returncode == 0, forced.stdout + forced.stderr
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{drill}" WITH (FORCE)')
        admin.close()


@pytest.mark.django_db(transaction=True)
def test_tampered_archive_restores_nothing(populated, key_file, workdir):
    archive, _ = make_backup(workdir / "out", key_file)
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    archive.write_bytes(bytes(data))
    target_files = workdir / "files-restored"
    if connection.vendor == "sqlite":
        target_db = workdir / "restored.sqlite3"
        url = f"sqlite:///{target_db}"
    else:
        pytest.skip("the SQLite target shows it without a second PostgreSQL database; "
                    "test_postgres_restore_drill covers the PostgreSQL path")

    result = run_restore(archive, key_file, workdir, url, target_files)

    assert result.returncode != 0 and "altered or damaged" in result.stderr, result.stdout + result.stderr
    assert "nothing was restored" in result.stderr
    import sqlite3

    empty = sqlite3.connect(target_db)
    try:
        assert empty.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0
    finally:
        empty.close()
    assert not files_of(target_files) and not list(target_files.glob("*/.restore-*"))
    assert not list(workdir.glob("xf-restore-*"))


# ---------------------------------------------------------------------------------------------
# Refusals in the test process (nothing reaches the target). Transactional: the backup reads what
# is committed, as another process would.


@pytest.mark.django_db(transaction=True)
def test_manifest_records_hashes_counts_and_audit_head(populated, key_file, workdir):
    archive, _ = make_backup(workdir / "out", key_file)
    manifest, _ = backups.read_backup(archive, load_key(key_file))
    for row in Attachment.objects.all():
        part = manifest["parts"][f"files/private/{row.stored_name}"]
        stored = populated / "private" / row.stored_name
        assert part["sha256"] == row.sha256 == hashlib.sha256(stored.read_bytes()).hexdigest()
    assert manifest["files"]["private"]["count"] == 7 and manifest["files"]["documents"]["count"] == 1
    assert manifest["parts"]["files/documents/53390001/2026/receipt.pdf"]["size"] == len(PDF + b"document")
    # The exchange directory's packages are in it, the signing keys and a file being written are not.
    assert manifest["files"]["exchange"]["count"] == len(EXCHANGE_KEPT)
    for rel, data in EXCHANGE_KEPT.items():
        assert manifest["parts"][f"files/exchange/{rel}"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert not [name for name in manifest["parts"] if "ed25519" in name or name.endswith(".part")]
    assert manifest["tables"][AuditLog._meta.db_table] == AuditLog.objects.count()
    assert manifest["audit"]["last_id"] == AuditLog.objects.order_by("-id").first().id and manifest["audit"]["heads"]
    assert manifest["migrations"]["accounts"]["applied"] >= 1 and manifest["database"]["vendor"] == connection.vendor
    assert manifest["parts"][backups.DB_PARTS[connection.vendor]]["size"] > 0


@pytest.mark.django_db
def test_backup_inside_a_transaction_is_refused(populated, key_file, workdir):
    with pytest.raises(CommandError, match="inside a transaction"):
        make_backup(workdir / "out", key_file)
    assert not list((workdir / "out").glob("*"))


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(populated, key_file, workdir):
    archive, _ = make_backup(workdir / "out", key_file)
    before = source_counts()
    with pytest.raises(CommandError, match="not empty.*Nothing was restored"):
        call_command("restore", str(archive), "--key-file", str(key_file), stdout=StringIO())
    assert source_counts() == before


@pytest.mark.django_db(transaction=True)
def test_wrong_key_is_named_and_refused(populated, key_file, workdir):
    archive, _ = make_backup(workdir / "out", key_file)
    other = workdir / "keys" / "other.key"
    other.write_text(os.urandom(32).hex())
    other.chmod(0o600)
    with pytest.raises(CommandError, match="wrong backup key"):
        call_command("restore", str(archive), "--key-file", str(other), "--check", stdout=StringIO())
    with pytest.raises(CommandError, match="wrong backup key"):
        call_command("restore", str(archive), "--key-file", str(other), "--force", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_altered_or_cut_archives_fail_the_check(populated, key_file, workdir):
    archive, _ = make_backup(workdir / "out", key_file)
    call_command("restore", str(archive), "--key-file", str(key_file), "--check", stdout=StringIO())
    original = archive.read_bytes()
    for damaged in (original[:-1], original[: len(original) // 2], original + b"\0" * 16,
                    original[:100] + bytes([original[100] ^ 0x80]) + original[101:]):
        archive.write_bytes(damaged)
        with pytest.raises(CommandError, match="archive check failed"):
            call_command("restore", str(archive), "--key-file", str(key_file), "--check", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_backup_refuses_a_missing_or_badly_kept_key(populated, key_file, workdir, monkeypatch):
    out = workdir / "out"
    monkeypatch.delenv("DJANGO_BACKUP_KEY", raising=False)
    with pytest.raises(CommandError, match="no backup key"):
        call_command("backup", "--output-dir", str(out), stdout=StringIO())
    beside = out / "backup.key"
    out.mkdir()
    shutil.copy(key_file, beside)
    beside.chmod(0o600)
    with pytest.raises(CommandError, match="inside the backup directory"):
        call_command("backup", "--output-dir", str(out), "--key-file", str(beside), stdout=StringIO())
    key_file.chmod(0o644)
    with pytest.raises(CommandError, match="readable by others"):
        call_command("backup", "--output-dir", str(out), "--key-file", str(key_file), stdout=StringIO())
    monkeypatch.setenv("DJANGO_BACKUP_KEY", settings.FIELD_ENCRYPTION_KEY)
    with pytest.raises(CommandError, match="differ from the field-encryption key"):
        call_command("backup", "--output-dir", str(out), stdout=StringIO())
    monkeypatch.setenv("DJANGO_BACKUP_KEY", "abc")
    with pytest.raises(CommandError, match="64 hexadecimal"):
        call_command("backup", "--output-dir", str(out), stdout=StringIO())
    assert [p.name for p in out.iterdir()] == ["backup.key"]  # no archive, no partial file

    monkeypatch.setenv("DJANGO_BACKUP_KEY", os.urandom(32).hex())
    call_command("backup", "--output-dir", str(out), stdout=StringIO())
    assert len(list(out.glob("xf-backup-*.xfbk"))) == 1


# ---------------------------------------------------------------------------------------------
# The cipher stream and retention, without a database


def encrypt(data, key, chunk_size):
    raw = BytesIO()
    writer = EncryptingWriter(raw, key, chunk_size=chunk_size)
    for i in range(0, len(data), 700):
        writer.write(data[i:i + 700])
    writer.close()
    return raw.getvalue()


def decrypt(blob, key):
    reader = DecryptingReader(BytesIO(blob), key)
    data = reader.read(333) + reader.read()
    assert reader.finished
    return data


@pytest.mark.parametrize("size", [0, 1, 1023, 1024, 1025, 4096, 5000])
def test_stream_round_trip(size):
    key, data = os.urandom(32), os.urandom(size)
    assert decrypt(encrypt(data, key, 1024), key) == data


def test_stream_refuses_reordered_dropped_cut_or_altered_chunks():
    key, data = os.urandom(32), os.urandom(4000)
    blob = encrypt(data, key, 1024)
    header, body = blob[:37], blob[37:]
    chunks = [body[i:i + 1040] for i in range(0, len(body), 1040)]
    assert len(chunks) == 4
    attacks = {
        "swapped": header + chunks[1] + chunks[0] + b"".join(chunks[2:]),
        "dropped": header + chunks[0] + b"".join(chunks[2:]),
        "cut at a chunk boundary": header + b"".join(chunks[:3]),
        "cut inside a chunk": blob[:-5],
        "header altered": blob[:20] + bytes([blob[20] ^ 1]) + blob[21:],
        "body altered": blob[:500] + bytes([blob[500] ^ 1]) + blob[501:],
        "last chunk repeated": blob + chunks[-1],
    }
    for name, forged in attacks.items():
        with pytest.raises(BackupError):
            decrypt(forged, key)
            pytest.fail(name)
    with pytest.raises(BackupError, match="wrong backup key"):
        decrypt(blob, os.urandom(32))


def test_prune_keeps_30_daily_and_12_monthly(workdir):
    names = []
    for month in range(1, 13):
        for day in (1, 15, 28):
            names.append(f"xf-backup-2025{month:02d}{day:02d}T020000Z.xfbk")
    for day in range(1, 32):
        names += [f"xf-backup-202601{day:02d}T020000Z.xfbk", f"xf-backup-202601{day:02d}T140000Z.xfbk"]
    for name in [*names, "notes.txt", "xf-backup-20240101T020000Z.xfbk.partial"]:
        (workdir / name).write_bytes(b"x")

    removed = backups.prune(workdir, keep_daily=30, keep_monthly=12)

    left = sorted(p.name for p in workdir.iterdir())
    daily = [n for n in left if n.startswith("xf-backup-202601") and n.endswith("Z.xfbk")]
    assert daily == [f"xf-backup-202601{d:02d}T140000Z.xfbk" for d in range(2, 32)]  # newest of 30 days
    monthly = sorted({n[10:16] for n in left if n.endswith(".xfbk")})
    assert monthly == [f"2025{m:02d}" for m in range(2, 13)] + ["202601"]  # 12 months
    assert "xf-backup-20251228T020000Z.xfbk" in left and "xf-backup-20251215T020000Z.xfbk" not in left
    assert "notes.txt" in left and "xf-backup-20240101T020000Z.xfbk.partial" in left
    assert len(removed) == len(names) - len(daily) - 11


def test_signing_keys_and_files_being_written_stay_out_of_every_store(settings, workdir):
    """A signing key kept inside a file store (the exchange directory here, or any other), its retired
    copies and files being written are neither archived nor count as content (a restore target holding
    only the key is empty); everything else in the exchange directory is a file of the store."""
    root = workdir / "exchange"
    settings.EXCHANGE_ROOT = root
    settings.EXCHANGE_PRIVATE_KEY_PATH = root / "exchange_ed25519.key"
    exchange_files(root)
    assert dict(backups.file_roots())["exchange"] == root
    assert [rel for rel, _path in backups.iter_files(root)] == sorted(EXCHANGE_KEPT)
    for rel in EXCHANGE_KEPT:
        (root / rel).unlink()
    assert list(backups.iter_files(root)) == []
    settings.EXCHANGE_PRIVATE_KEY_PATH = workdir / "elsewhere.key"  # the same name no longer a key here
    assert [rel for rel, _path in backups.iter_files(root)] == ["exchange_ed25519.key",
                                                                 "exchange_ed25519.key.retired-20260101000000"]
