"""docs/workflow.md is generated from TRANSITIONS and must be kept in step."""
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from petitions.workflow import TRANSITIONS
from petitions.management.workflow_doc import workflow_markdown


def test_committed_workflow_table_matches_the_code():
    committed = (Path(settings.BASE_DIR) / "docs" / "workflow.md").read_text(encoding="utf-8")
    assert committed == workflow_markdown(), "run: python manage.py workflow_table"


def test_table_lists_every_transition_with_its_permission():
    out = StringIO()
    call_command("workflow_table", output="-", stdout=out)
    text = out.getvalue()
    for t in TRANSITIONS.values():
        assert f"| `{t.name}` | {t.label} |" in text
        assert f"`{t.permission}`" in text
