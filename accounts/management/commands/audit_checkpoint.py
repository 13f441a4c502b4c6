"""Write a signed checkpoint of the chain heads (cron, hourly); create or show the signing key."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.checkpoints import checkpoint_heads_now, key_generate, public_key_text, signing_key


class Command(BaseCommand):
    help = ("Write a signed checkpoint of the audit and access-log chain heads to AUDIT_CHECKPOINT_DIR "
            "(run hourly). --keygen creates the signing key, --public-key prints the key the auditor checks with.")

    def add_arguments(self, parser):
        parser.add_argument("--keygen", action="store_true", help="create the signing key "
                                                                  "(settings.AUDIT_SIGNING_KEY_PATH, mode 0600)")
        parser.add_argument("--overwrite", action="store_true", help="with --keygen: replace an existing key")
        parser.add_argument("--public-key", action="store_true", help="print the public key and exit")

    def handle(self, *args, **options):
        if options["keygen"]:
            path = settings.AUDIT_SIGNING_KEY_PATH
            try:
                public = key_generate(path, overwrite=options["overwrite"])
            except FileExistsError:
                raise CommandError(f"{path} exists; --overwrite replaces it (older checkpoints then need the "
                                   f"old public key)") from None
            self.stdout.write(f"private key: {path}")
            self.stdout.write(f"public key: {public}")
            return
        if options["public_key"]:
            self.stdout.write(public_key_text(signing_key().public_key()))
            return
        try:
            path = checkpoint_heads_now()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"checkpoint written: {path}")
