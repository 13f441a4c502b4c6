"""Access log: who opened a case's personal data or downloaded its files, and from where
(docs/architecture.md §9)."""
from accounts.audit import client_ip

from petitions.models import CaseView


def case_view_record(*, case, user, action="view", request=None):
    """Append a CaseView row (``action``: "view" for the detail page, "download" for a file,
    "export" for the one-case Excel file) with the client address of ``request``.

    Called by views after the case passed the visibility selector. The row is chained like the
    audit log (``CaseView.save`` locks the access log's chain head for the INSERT); nothing else
    changes."""
    return CaseView.objects.create(case=case, user=user, org=getattr(user, "organization", None), action=action,
                                   ip_address=client_ip(request))
