"""``manage.py restore ARCHIVE``: restore a backup into an empty database and file store, then check
it (accounts/management/backups.py; README, "备份与恢复 / Backup and restore").

Order: the key is checked against the archive header (a wrong key is named at once); the target
must be empty; the whole archive is decrypted, authenticated and checked against its manifest while
it is unpacked into staging areas (the database part in a private temporary directory, the files in
a directory inside their store); only then is the database loaded (PostgreSQL: one transaction) and
the files moved into place. Afterwards the migrations, the row count of every table, the audit
chain head and ``verify_audit`` are checked; any difference exits 1 with the list.
"""
import io
import tempfile
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from accounts.management import backups
from accounts.management.backup_crypto import BackupError, load_key, read_header


class Command(BaseCommand):
    help = ("Restore a backup archive into the empty default database and file store, then check "
            "migrations, row counts and the audit chain (exit 1 on any difference). --check only "
            "verifies the archive.")

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .xfbk file written by manage.py backup")
        parser.add_argument("--key-file", help="file holding the backup key (instead of DJANGO_BACKUP_KEY)")
        parser.add_argument("--work-dir", help="where the plain dump is kept while it is loaded "
                                               "(default: the system's temporary directory)")
        parser.add_argument("--check", action="store_true",
                            help="decrypt and check the archive against its manifest; restore nothing")
        parser.add_argument("--force", action="store_true",
                            help="restore into a database that is not empty, dropping everything in it, and "
                                 "over existing files (for a drill database only)")

    def handle(self, *args, **options):
        started = time.monotonic()
        connection = connections[DEFAULT_DB_ALIAS]
        try:
            key = load_key(options["key_file"], field_key=settings.FIELD_ENCRYPTION_KEY)
            with open(options["archive"], "rb") as raw:
                read_header(raw, key)
        except (BackupError, OSError) as exc:
            raise CommandError(f"restore refused: {exc}") from exc
        if options["check"]:
            try:
                manifest, _ = backups.read_backup(options["archive"], key)
            except BackupError as exc:
                raise CommandError(f"archive check failed: {exc}") from exc
            self.stdout.write(f"archive OK: {len(manifest['parts'])} parts match the manifest of "
                              f"{manifest['created_at']} ({manifest['database']['vendor']}, "
                              f"{sum(manifest['tables'].values())} rows, audit chain "
                              f"{manifest['audit'].get('rows', 0)} rows)")
            return

        roots = dict(backups.file_roots())
        objects = backups.database_objects(connection)
        stores = sorted(label for label, root in roots.items() if next(backups.iter_files(root), None))
        if (objects or stores) and not options["force"]:
            found = []
            if objects:
                found.append(f"the database has {len(objects)} tables ({', '.join(objects[:3])}, …)")
            found += [f"the file store {label} ({roots[label]}) has files" for label in stores]
            raise CommandError("restore refused: the target is not empty: " + "; ".join(found)
                               + ". Restore into an empty database and file store (--force only for a drill "
                               "database). Nothing was restored.")

        stages = {label: backups.staging_dir(root) for label, root in roots.items()}
        try:
            with tempfile.TemporaryDirectory(prefix="xf-restore-", dir=options["work_dir"]) as tmp:
                manifest, staged = backups.read_backup(options["archive"], key, db_dir=tmp, file_dirs=stages,
                                                       db_part=backups.DB_PARTS.get(connection.vendor))
                if options["force"] and objects:
                    backups.wipe_database(connection)
                backups.restore_database(connection, staged["db"])
            for label, rels in staged["files"].items():
                backups.move_into_place(stages[label], roots[label], rels)
        except BackupError as exc:
            raise CommandError(f"restore refused: {exc}") from exc
        finally:
            for stage in stages.values():
                backups.remove_tree(stage)

        self.stdout.write(f"restored {options['archive']} (made {manifest['created_at']} on {manifest['host']}) "
                          f"in {time.monotonic() - started:.1f} s")
        problems = self.check_restored(connection, manifest, roots)
        if problems:
            raise CommandError(f"restore finished but {len(problems)} check(s) failed:\n  "
                               + "\n  ".join(problems))
        self.stdout.write(f"restore checked: migrations, row counts, file hashes and audit chain match the backup "
                          f"({time.monotonic() - started:.1f} s in all)")

    def report(self, ok, text):
        self.stdout.write(("  OK    " if ok else "  FAIL  ") + text)
        return [] if ok else [text]

    def check_restored(self, connection, manifest, roots):
        problems = []
        with connection.cursor() as cursor:
            facts = backups.inventory(cursor, connection.vendor)

        tables = sorted(set(facts["tables"]) | set(manifest["tables"]))
        differing = [f"{t}: {facts['tables'].get(t, 'missing')} rows, backup {manifest['tables'].get(t, 'missing')}"
                     for t in tables if facts["tables"].get(t) != manifest["tables"].get(t)]
        problems += self.report(not differing, f"row counts of {len(tables)} tables "
                                f"({sum(facts['tables'].values())} rows)" + "".join(f"; {d}" for d in differing[:20]))

        problems += self.report(facts["migrations"] == manifest["migrations"],
                                "applied migrations as recorded in the backup")
        executor = MigrationExecutor(connection)
        unapplied = [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())]
        unknown = sorted(f"{app}.{name}" for app, name in executor.loader.applied_migrations
                         if (app, name) not in executor.loader.graph.nodes)
        problems += self.report(not unapplied and not unknown, "this code's migrations match the database"
                                + (f"; not applied (run migrate): {', '.join(unapplied[:10])}" if unapplied else "")
                                + (f"; unknown to this code (older release?): {', '.join(unknown[:10])}"
                                   if unknown else ""))

        bad_files = []
        for name, part in manifest["parts"].items():
            if name.startswith("files/"):
                _, label, rel = name.split("/", 2)
                path = roots[label] / rel
                if not path.is_file() or path.stat().st_size != part["size"]:
                    bad_files.append(name)
        count = sum(v["count"] for v in manifest["files"].values())
        problems += self.report(not bad_files, f"{count} stored files in place"
                                + (f"; missing or wrong size: {', '.join(bad_files[:10])}" if bad_files else ""))

        problems += self.report(facts["audit"] == manifest["audit"],
                                f"audit chain head as in the backup ({manifest['audit'].get('rows', 0)} rows, "
                                f"last id {manifest['audit'].get('last_id')})")
        problems += self.report(*self.verify_audit())
        return problems

    def verify_audit(self):
        """``verify_audit`` on the restored chains: every row's keyed MAC and link. Checked against no
        checkpoint and writing none: the auditor's checkpoints are newer than any backup (the rows
        written since show as a removed tail there: README, restore) and the checkpoint store is not
        the restore's to write."""
        out, err = io.StringIO(), io.StringIO()
        with tempfile.TemporaryDirectory(prefix="xf-restore-checkpoints-") as no_checkpoints:
            try:
                call_command("verify_audit", "--no-checkpoint", "--checkpoint-dir", no_checkpoints,
                             stdout=out, stderr=err)
                ok = True
            except SystemExit as exc:
                ok = not exc.code
            except Exception as exc:  # a missing key or setting: reported like a failed check
                ok = False
                err.write(f"{exc.__class__.__name__}: {exc}")
        lines = [line for line in (out.getvalue() + err.getvalue()).splitlines()
                 if line.strip() and "no checkpoint to compare with" not in line]
        message = "; ".join(line.strip() for line in lines)
        if not ok:
            message += (" (the chains are keyed: DJANGO_AUDIT_HMAC_KEY must be the key of the installation "
                        "that was backed up)")
        return ok, f"verify_audit: {message}"
