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
# The state of a transfer package between the portal and the intranet (portal/gap.py, portal/intranet/) is
# not a workflow status: the rows that record a package's fate are written where the package is handled.
PACKAGE_STATE = re.compile(r"\s*(TransferStatus|PackageStatus)\.")


def _sources():
    for path in ROOT.rglob("*.py"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP_DIRS:
            continue
        yield path


# bench/ (skipped above) holds the generator of synthetic benchmark data, which bulk-loads cases
# in past states; it is a data loader like a migration, never installed in production.
ALLOWED = ("petitions/services/", "petitions/models/")


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
                if PACKAGE_STATE.match(text, match.end()):
                    continue
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert not offenders, "status written outside petitions/services: " + ", ".join(offenders)


def test_the_rule_catches_a_write():
    sample = "case.status = Status.CLOSED\nCase.objects.filter(pk=1).update(status='closed')\n"
    assert ASSIGNMENT.search(sample) and WRITE_CALL.search(sample)
    assert not ASSIGNMENT.search("if case.status == Status.PENDING:")
    assert not WRITE_CALL.search("Case.objects.filter(status='pending')")


# The repository explains itself: nothing it ships points at design notes kept outside it.
OUTSIDE = re.compile(r"\.\./shared|\b(DESIGN|DOMAIN|STYLE|PERFORMANCE)\.md\b")
TEXT_SUFFIXES = {".py", ".md", ".html", ".txt", ".js", ".css", ".ini", ".cfg", ".toml", ".in"}


def test_no_reference_to_files_outside_the_repository():
    offenders = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES or set(rel.parts) & {".venv", "var", ".git"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{rel}:{text.count(chr(10), 0, m.start()) + 1}" for m in OUTSIDE.finditer(text)]
    assert not offenders, "references outside the repository: " + ", ".join(offenders)


def test_import_contracts_hold():
    """The layering of .importlinter (apps one way; views -> services -> selectors -> models)."""
    from importlinter.application.use_cases import lint_imports
    from importlinter.configuration import configure

    configure()
    assert lint_imports(config_filename=str(ROOT / ".importlinter"), cache_dir=None, no_logo=True), \
        "lint-imports reports a broken contract"
