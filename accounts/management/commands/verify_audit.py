from django.core.management.base import BaseCommand

from accounts.audit import verify_chain
from accounts.models import AuditLog


class Command(BaseCommand):
    help = "Verify the audit hash chain; exit 1 and name the first broken row if it was altered."

    def handle(self, *args, **options):
        broken = verify_chain()
        if broken is not None:
            self.stderr.write(f"audit chain BROKEN at row {broken.row_id}: {broken.reason}")
            raise SystemExit(1)
        self.stdout.write(f"audit chain OK ({AuditLog.objects.count()} rows)")
