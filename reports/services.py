"""Writes of the reports app: only the audit record of an export (who took which data out)."""
from accounts.audit import audit_record

# Filter fields that may carry personal data: recorded by name only, never by value.
PII_FILTERS = frozenset({"name", "id_number", "phone", "q", "number"})


def export_record(*, actor, kind, title, rows=None, filters=None, request=None):
    """Append an ``export`` row to the audit chain.

    ``filters`` (a dict of the query used) is stored without personal data: the values of
    name / ID number / phone / keyword / case-number filters are replaced by "*".
    """
    safe = {}
    for key, value in (filters or {}).items():
        if value in ("", None, [], False):
            continue
        safe[key] = "*" if key in PII_FILTERS else str(value)
    data = {"kind": kind, "filters": safe}
    if rows is not None:
        data["rows"] = rows
    return audit_record(action="export", actor=actor, summary=str(title)[:200], data=data, request=request)
