"""Recompute the statistics aggregates from the case tables, or check them (docs/reports.md §8)."""
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from reports.aggregates import statistics_rebuild


def _day(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = ("Recompute the statistics aggregates (case facts and cells) from the case tables. With --check, "
            "write nothing: compute them from scratch and report every case and cell that differs from the "
            "stored ones (exit 1 when any does). --from/--to (local dates of registration) limit the rebuild to "
            "the cases registered in those days, and the check to those cases and to the cells of those days.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare only, write nothing; exit 1 on a difference")
        parser.add_argument("--from", dest="start", type=_day, help="first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="end", type=_day, help="last day (YYYY-MM-DD)")

    def handle(self, *args, check=False, start=None, end=None, **options):
        if start and end and start > end:
            raise CommandError("--from is after --to")
        span = f" {start or '…'} to {end or '…'}" if start or end else ""
        started = time.monotonic()
        result = statistics_rebuild(check=check, start=start, end=end)
        seconds = time.monotonic() - started
        if not check:
            if start or end:
                self.stdout.write(f"statistics of the cases registered{span} refreshed: {result} case(s) changed "
                                  f"({seconds:.1f} s)")
            else:
                self.stdout.write(f"statistics rebuilt ({seconds:.1f} s)")
            return
        if result.facts:
            self.stdout.write(f"{result.facts} case(s){span} whose stored facts differ from the case tables, "
                              f"e.g. {', '.join(result.facts_sample)}")
        for table, count in result.cells.items():
            if count:
                self.stdout.write(f"{table}: {count} cell(s){span} differ from the from-scratch computation")
        if result.any:
            self.stdout.write("statistics DIFFER: run `manage.py rebuild_statistics` (with the same --from/--to) "
                              "to repair them")
            raise SystemExit(1)
        self.stdout.write(f"statistics consistent with the case tables{span} ({seconds:.1f} s)")
