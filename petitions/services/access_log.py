"""Access log: who opened a case's personal data or downloaded its files (docs/architecture.md §9)."""
from petitions.models import CaseView


def case_view_record(*, case, user, action="view"):
    """Append a CaseView row (``action``: "view" for the detail page, "download" for a file).

    Called by views after the case passed the visibility selector; a single INSERT in
    autocommit, nothing else changes."""
    return CaseView.objects.create(case=case, user=user, org=getattr(user, "organization", None), action=action)
