"""Verify and import a signed data package from a lower level."""
import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from petitions.lib.package import PackageRejected
from petitions.services.exchange import package_import


class Command(BaseCommand):
    help = "导入下级系统的签名数据交换包（验签、校验、幂等合并），输出新增/更新/拒收统计。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="package zip")
        parser.add_argument("--user", help="username recorded in the audit log (needs the exchange permission)")

    def handle(self, *args, **options):
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"unknown user {options['user']}")
        path = options["file"]
        try:
            with open(path, "rb") as fh:
                report = package_import(fileobj=fh, size=os.path.getsize(path), actor=actor)
        except PackageRejected as exc:
            raise CommandError(f"rejected ({exc.code}): {exc.message}") from None
        self.stdout.write(f"source {report.source_org}: created {report.created}, updated {report.updated}, "
                          f"unchanged {report.unchanged}, rejected {len(report.rejected)}, "
                          f"events {report.events_created}, attachments {report.attachments_created}")
        for number, reason in report.rejected:
            self.stdout.write(f"  rejected {number}: {reason}")
