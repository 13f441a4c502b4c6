"""Cheap architecture rules, checked by reading the source (Zulip-style lint tests)."""
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "var", "node_modules", "migrations", "tests", ".git", "bench"}

# Writes of a workflow status: attribute assignment, or status=... passed to a write call.
ASSIGNMENT = re.compile(r"\.status\s*=(?!=)")
WRITE_CALL = re.compile(r"\.(update|create|bulk_create|update_or_create|get_or_create)\((?:[^()]|\([^()]*\))*"
                        r"\bstatus\s*=", re.S)
CONSTRUCTOR = re.compile(r"\b(Case|Assignment|ExtensionRequest)\((?:[^()]|\([^()]*\))*\bstatus\s*=", re.S)


def _sources():
    for path in ROOT.rglob("*.py"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP_DIRS:
            continue
        yield path


# petitions/generator/ builds synthetic benchmark data (DESIGN: scale issue) in memory and
# bulk-loads it; it is a data loader like a migration, never reached from a request.
ALLOWED = ("petitions/services/", "petitions/models/", "petitions/generator/")


def _allowed(path):
    return path.relative_to(ROOT).as_posix().startswith(ALLOWED)


def test_only_services_write_a_status():
    offenders = []
    for path in _sources():
        if _allowed(path):
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (ASSIGNMENT, WRITE_CALL, CONSTRUCTOR):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert not offenders, "status written outside petitions/services: " + ", ".join(offenders)


def test_the_rule_catches_a_write():
    sample = "case.status = Status.CLOSED\nCase.objects.filter(pk=1).update(status='closed')\n"
    assert ASSIGNMENT.search(sample) and WRITE_CALL.search(sample)
    assert not ASSIGNMENT.search("if case.status == Status.PENDING:")
    assert not WRITE_CALL.search("Case.objects.filter(status='pending')")
