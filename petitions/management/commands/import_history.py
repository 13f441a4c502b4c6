"""manage.py import_history FILE.xlsx [--dry-run] [--org CODE] [--only-valid] [--template OUT.xlsx]

The historical import of README "历史数据导入" on the command line: the same checks and the same
all-or-nothing write as the page (petitions/services/history_import), run in the foreground with
the progress on stderr. Exit status 1 when the file is refused or has row errors."""
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import OrgUnit
from petitions.services.history_import import ImportRefused, history_import, template_write

ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = "Check and import historical cases from the Excel template (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="the filled-in template (.xlsx)")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--org", help="code of the registering organization for rows that name none")
        parser.add_argument("--only-valid", action="store_true",
                            help="import the rows without errors even if other rows have errors")
        parser.add_argument("--template", metavar="OUT", help="write the empty template to OUT and stop")

    def handle(self, *args, **options):
        if options["template"]:
            with open(options["template"], "wb") as out:
                template_write(out)
            self.stdout.write(f"template written to {options['template']}")
            return
        if not options["file"]:
            raise CommandError("give the .xlsx file to import (or --template OUT)")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        org = None
        if options["org"]:
            org = OrgUnit.objects.filter(code=options["org"]).first()
            if org is None:
                raise CommandError(f"no organization with code {options['org']}")
        started = time.monotonic()
        try:
            result = history_import(path=str(path), name=path.name, actor=None, default_org=org,
                                    only_valid=options["only_valid"], dry_run=options["dry_run"],
                                    progress=self._progress)
        except ImportRefused as exc:
            sys.stderr.write("\n")
            raise CommandError(exc.message) from None
        finally:
            sys.stderr.write("\n")
        check = result.check
        for item in check.preview(ERRORS_SHOWN):
            self.stdout.write(f"{item['cell']:>8} {item['column']}: {item['message']}")
        if check.error_rows > ERRORS_SHOWN:
            self.stdout.write(f"... {check.error_rows} rows with errors in all")
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"rows {result.total}, valid {check.valid}, errors {check.error_rows}, already imported {result.existing}, "
            f"created {result.created}{' (dry run: nothing written)' if result.dry_run else ''}, {elapsed:.1f} s")
        if check.error_rows and (result.dry_run or not options["only_valid"]):
            sys.exit(1)

    def _progress(self, phase, done, total):
        label = {"check": "checking", "import": "importing"}.get(phase, phase)
        share = f" {done * 100 // total:3d}%" if total else ""
        sys.stderr.write(f"\r{label} {done}{'/' + str(total) if total else ''}{share}   ")
        sys.stderr.flush()
