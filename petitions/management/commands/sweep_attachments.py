"""Remove stored attachment files that no row refers to (after a crash or an outer rollback)."""
from django.core.management.base import BaseCommand

from petitions.services.attachments import ORPHAN_GRACE_SECONDS, attachment_orphans_sweep


class Command(BaseCommand):
    help = "删除没有附件记录的存储文件（超过宽限时间的孤儿文件）。"

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=ORPHAN_GRACE_SECONDS,
                            help="only files older than this many seconds (default: one hour)")

    def handle(self, *args, **options):
        removed = attachment_orphans_sweep(older_than=options["older_than"])
        self.stdout.write(f"removed {removed} orphan file(s)")
