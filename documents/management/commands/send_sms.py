"""Send the petitioner texts that are due: those whose first attempt failed, retried with back-off
(documents/sms.py). Run from cron every few minutes (README, "短信"):

    */5 * * * * cd /srv/xinfang && .venv/bin/python manage.py send_sms
"""
from django.core.management.base import BaseCommand

from documents.sms import sms_send_due


class Command(BaseCommand):
    help = "Send the petitioner texts that are due (retries of failed attempts)."

    def handle(self, *args, **options):
        sent, failed = sms_send_due()
        self.stdout.write(f"sent {sent}, failed {failed}")
