"""Write a signed data package of an organization's subtree for a period."""
import os
from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.models import OrgUnit
from petitions.services.exchange import package_export


class Command(BaseCommand):
    help = "导出签名数据交换包（本机构及下级在该期间登记或有处理记录的信访件）。"

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organization code (its subtree is exported)")
        parser.add_argument("--start", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--end", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--out", required=True, help="zip file to write")
        parser.add_argument("--user", help="username recorded in the audit log (needs the exchange permission)")

    def handle(self, *args, **options):
        org = OrgUnit.objects.filter(code=options["org"]).first()
        if org is None:
            raise CommandError(f"unknown organization {options['org']}")
        if options["end"] < options["start"]:
            raise CommandError("--end is before --start")
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"unknown user {options['user']}")
        tmp = options["out"] + ".part"
        try:
            # The package carries personal data: readable by the owner only.
            with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
                manifest = package_export(org=org, start=options["start"], end=options["end"], out=out, actor=actor)
            os.replace(tmp, options["out"])
        except FileNotFoundError as exc:
            raise CommandError(f"signing key missing ({exc.filename}); run exchange_keygen first") from None
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        counts = manifest["counts"]
        self.stdout.write(f"{options['out']}: {counts['cases']} cases, {counts['events']} events, "
                          f"{counts['attachments']} attachments")
