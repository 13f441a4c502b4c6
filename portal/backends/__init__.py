"""Where the portal's pages read and write: one interface, two implementations (docs/architecture.md §7).

- ``portal.backends.staff.StaffBackend``: the single-database setup, for small offices and for the
  intranet's own /portal/: the pages read the staff models and write through the staff services at
  once (a petition gets its number and query code on the receipt).
- ``portal.backends.mirror.MirrorBackend``: the internet-side deployment (config/settings/portal.py):
  the pages read the sealed mirror the intranet sends and write requests into the outbox that crosses
  the network gap (a petition gets a receipt code; the number and code follow).

``settings.PORTAL_BACKEND`` names the class; ``backend()`` returns an instance. The views know only the
methods both implement and the values in ``portal.public``; each implementation imports what it needs
itself, so the internet side never imports a staff model.
"""
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Receipt:
    """What the receipt page shows after a petition was posted: the number and query code (staff
    backend), or the receipt code under which they will be found (mirror backend)."""

    number: str = ""
    code: str = ""
    receipt_code: str = ""
    replayed: bool = False


@dataclass(frozen=True)
class ReceiptStatus:
    """A receipt code looked up (mirror backend): ``state`` is ``pending`` (not registered yet),
    ``registered`` (with the number and query code) or ``refused`` (with the reason)."""

    state: str
    submitted_on: date
    number: str = ""
    code: str = ""
    message: str = ""


def backend():
    """The configured backend (``settings.PORTAL_BACKEND``)."""
    return import_string(settings.PORTAL_BACKEND)()
