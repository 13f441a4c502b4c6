"""The internet-side backend of the portal (``portal.backends``): the sealed mirror and the outbox of
``portal.mirror``. The session remembers the unlocked case by its number and the key its query code
gave (the internet-side settings keep the session in the visitor's signed cookie, not in a table)."""
import io

from django.utils.translation import gettext

from accounts.clientip import client_ip
from petitions import clock
from portal import mirror
from portal.backends import Receipt, ReceiptStatus
from portal.models import MirrorEntryKind


class MirrorBackend:
    immediate = False

    def bureau_choices(self):
        return mirror.entry_choices(MirrorEntryKind.BUREAU)

    def purpose_choices(self):
        return mirror.entry_choices(MirrorEntryKind.PURPOSE)

    def problem_choices(self):
        return mirror.entry_choices(MirrorEntryKind.PROBLEM)

    def satisfaction_choices(self):
        return [(code, gettext(label)) for code, label in mirror.entry_choices(MirrorEntryKind.SATISFACTION)]

    def submit(self, *, submit_token, request, **fields):
        receipt, replayed = mirror.submission_create(submit_token=submit_token, client_ip=client_ip(request), **fields)
        return Receipt(receipt_code=receipt, replayed=replayed)

    def replayed_receipt(self, token):
        receipt = mirror.submission_receipt_code(token)
        return Receipt(receipt_code=receipt, replayed=True) if receipt else None

    def receipt_status(self, code):
        found = mirror.receipt_status(code)
        if found is None:
            return None
        state, submitted_on, number, query_code, message = found
        return ReceiptStatus(state=state, submitted_on=submitted_on, number=number, code=query_code, message=message)

    def unlock(self, *, number, code):
        return mirror.case_unlock(number=number, code=code)

    def sheet(self, token):
        return mirror.case_sheet(token, today=clock.today())

    def evaluate(self, token, *, ratings, comment, request):
        mirror.evaluation_request(token, ratings=ratings, comment=comment, today=clock.today())

    def review(self, token, *, reason, request):
        mirror.review_request(token, reason=reason, today=clock.today())

    def document(self, token, pk, *, request):
        found = mirror.document_fetch(token, pk)
        if found is None:
            return None
        name, content = found
        return name, io.BytesIO(content)

    def replies_page(self, page):
        return mirror.replies_page(page)
