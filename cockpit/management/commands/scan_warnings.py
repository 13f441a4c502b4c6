"""``manage.py scan_warnings``: the cockpit's periodic work (docs/cockpit.md §5).

For every jurisdiction with a leader or statistician: raise the warnings its thresholds call for
(hot spots, text clusters, late units; each once per matter and week), recompute its text clusters
and refresh its monthly KPI snapshots. Idempotent; run hourly from cron (or a systemd timer):

    17 * * * *  cd /srv/xinfang && .venv/bin/python manage.py scan_warnings
"""
from datetime import date

from django.core.management.base import BaseCommand

from cockpit.services.warnings import warnings_scan


class Command(BaseCommand):
    help = "Raise the cockpit's early warnings and refresh its KPI snapshots and text clusters."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=date.fromisoformat, default=None, help="as of this day (YYYY-MM-DD)")
        parser.add_argument("--no-kpi", action="store_true", help="skip the KPI snapshots")
        parser.add_argument("--no-clusters", action="store_true", help="skip the text clusters")

    def handle(self, *args, **options):
        result = warnings_scan(today=options["today"], kpi=not options["no_kpi"],
                               clusters=not options["no_clusters"])
        self.stdout.write(", ".join(f"{key} {value}" for key, value in result.items()))
