"""``manage.py backup``: one encrypted archive of the database and the stored files
(accounts/management/backups.py; README, "备份与恢复 / Backup and restore")."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from accounts.management import backups
from accounts.management.backup_crypto import BackupError, load_key


def _size(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


class Command(BaseCommand):
    help = ("Write an encrypted backup (database dump, stored files, manifest with SHA-256 of every part) "
            "into --output-dir. Key: DJANGO_BACKUP_KEY or --key-file (64 hex characters), kept apart "
            "from the backups.")

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", default=str(Path(settings.BASE_DIR) / "var" / "backups"),
                            help="directory of the archives (default var/backups)")
        parser.add_argument("--key-file", help="file holding the backup key (instead of DJANGO_BACKUP_KEY), mode 0600")
        parser.add_argument("--work-dir", help="where the plain dump is kept while it is archived "
                                               "(default: the system's temporary directory)")
        parser.add_argument("--prune", action="store_true",
                            help="after a successful backup, delete archives no retention rule keeps")
        parser.add_argument("--keep-daily", type=int, default=30, help="with --prune: days kept (default 30)")
        parser.add_argument("--keep-monthly", type=int, default=12, help="with --prune: months kept (default 12)")

    def handle(self, *args, **options):
        output_dir = Path(options["output_dir"])
        try:
            key = load_key(options["key_file"], field_key=settings.FIELD_ENCRYPTION_KEY, forbidden_dirs=[output_dir])
            path, manifest = backups.write_backup(connection=connections[DEFAULT_DB_ALIAS], output_dir=output_dir,
                                                  key=key, work_dir=options["work_dir"])
        except BackupError as exc:
            raise CommandError(f"backup refused: {exc}") from exc
        rows = sum(manifest["tables"].values())
        files = ", ".join(f"{label} {v['count']} files {_size(v['bytes'])}" for label, v in manifest["files"].items())
        self.stdout.write(f"backup written: {path}")
        self.stdout.write(f"  {_size(path.stat().st_size)} in {manifest['seconds']} s; database "
                          f"{manifest['database']['vendor']} {_size(manifest['parts'][backups.DB_PARTS[manifest['database']['vendor']]]['size'])}, "
                          f"{len(manifest['tables'])} tables, {rows} rows; {files or 'no file store'}; "
                          f"audit chain {manifest['audit'].get('rows', 0)} rows")
        for name in manifest["vanished"]:
            self.stderr.write(f"  note: {name} was removed while the backup ran and is not in it")
        if options["prune"]:
            removed = backups.prune(output_dir, keep_daily=options["keep_daily"], keep_monthly=options["keep_monthly"],
                                    protect=[path])
            self.stdout.write(f"  pruned {len(removed)} old archive(s)" + "".join(f"\n    {p.name}" for p in removed))
