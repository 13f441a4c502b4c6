"""Re-encrypt the stored identity numbers and TOTP secrets under the configured key.

    DJANGO_FIELD_ENCRYPTION_KEY=<new key> manage.py rotate_field_key --old-key-file /secure/old.key

The old key is read from a file (not the command line, which shell history and process lists
keep). One transaction: all rows move to the new key, or nothing changes.
"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.exceptions import ServiceError
from petitions.services.keys import field_key_rotate


class Command(BaseCommand):
    help = "Re-encrypt identity numbers and TOTP secrets from the old key to the configured one."

    def add_arguments(self, parser):
        parser.add_argument("--old-key-file", required=True, help="file holding the old key (64 hex characters)")

    def handle(self, *args, old_key_file, **options):
        try:
            old_key = Path(old_key_file).read_text().strip()
        except OSError as exc:
            raise CommandError(f"cannot read {old_key_file}: {exc}")
        try:
            counts = field_key_rotate(old_key=old_key, stream=self.stdout)
        except ServiceError as exc:
            raise CommandError(str(exc.message))
        self.stdout.write(self.style.SUCCESS(
            f"re-encrypted {counts['identities']:,} identity numbers and {counts['otp_secrets']} TOTP secrets"))
