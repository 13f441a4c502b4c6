"""``manage.py scan_deadlines``: record overdue deadlines once and remind the responsible users.

Idempotent and safe to run from cron every few minutes (see petitions/services/deadlines.py).
"""
from django.core.management.base import BaseCommand

from petitions.services.deadlines import deadlines_scan


class Command(BaseCommand):
    help = "Record overdue case deadlines (once each) and create reminders."

    def handle(self, *args, **options):
        result = deadlines_scan()
        self.stdout.write(str(result))
