"""``manage.py load_holidays FILE.csv [--user USERNAME]``: enter a year's 节假日安排.

The CSV has the columns ``date,is_workday,name[,note]`` (one line per day off and per 调休
working day of the State Council notice); see ``petitions.services.calendar.calendar_parse``.
All lines are imported or none. ``--user`` records the change under that administrator's
account (who must maintain the dictionaries); without it the audit row names the command.
"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import User
from petitions.services.calendar import calendar_import


class Command(BaseCommand):
    help = "Import working-day calendar exceptions (holidays, 调休 working days) from a CSV: date,is_workday,name[,note]."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8 or GBK): date,is_workday,name[,note]")
        parser.add_argument("--user", help="username of the administrator the audit row names")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user {options['user']!r}")
        try:
            outcome = calendar_import(actor=actor, content=content, source=path.name)
        except (ServiceError, NotAllowed) as exc:
            raise CommandError(str(exc.message))
        self.stdout.write(str(outcome.message))
