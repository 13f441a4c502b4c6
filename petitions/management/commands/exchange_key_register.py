"""Trust a sending instance's public key for packages of an organization's subtree."""
from django.core.management.base import BaseCommand, CommandError

from accounts.models import OrgUnit
from petitions.services.exchange import exchange_key_register, key_fingerprint


class Command(BaseCommand):
    help = "登记下级系统的数据交换公钥（按机构代码）。"

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="sending organization code")
        parser.add_argument("--public-key", required=True, help="base64 public key printed by exchange_keygen")
        parser.add_argument("--note", default="")

    def handle(self, *args, **options):
        org = OrgUnit.objects.filter(code=options["org"]).first()
        if org is None:
            raise CommandError(f"unknown organization {options['org']}")
        try:
            key = exchange_key_register(org=org, public_key=options["public_key"], note=options["note"])
        except ValueError:
            raise CommandError("not a base64 Ed25519 public key") from None
        self.stdout.write(f"registered key {key_fingerprint(key.public_key)} for {org.code}")
