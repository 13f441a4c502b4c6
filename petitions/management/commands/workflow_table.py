"""``manage.py workflow_table``: write docs/workflow.md from the transition table."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from petitions.management.workflow_doc import workflow_markdown

DEFAULT_PATH = Path(settings.BASE_DIR) / "docs" / "workflow.md"


class Command(BaseCommand):
    help = "Write the workflow transition table (docs/workflow.md) from petitions.workflow.TRANSITIONS."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(DEFAULT_PATH), help="file to write ('-' for stdout)")

    def handle(self, *args, **options):
        text = workflow_markdown()
        if options["output"] == "-":
            self.stdout.write(text, ending="")
            return
        path = Path(options["output"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
