"""The single-database backend of the portal (``portal.backends``): the staff models and services,
read and written at once. The session remembers the unlocked case by its id."""
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.exceptions import ServiceError
from documents.selectors import portal_document
from documents.services import document_downloaded_online, document_open
from petitions.models import DictEntry, DictKind, Satisfaction
from portal.backends import Receipt
from portal.selectors import (
    case_sheet, case_unlock, online_case_for_token, portal_bureaus, public_replies_page, unlocked_case,
)
from portal.services import case_evaluate, portal_petition_submit, portal_review_request


def _entries(kind, *, tree=False):
    qs = DictEntry.objects.filter(kind=kind, is_active=True)
    if not tree:
        return [(str(e.pk), e.name) for e in qs.order_by("sort_order", "code")]
    # 所属问题 depth-first, "一级 / 二级" (as the staff form lists it).
    qs = qs.select_related("parent").annotate(
        top_sort=Coalesce(F("parent__sort_order"), F("sort_order")), top_code=Coalesce(F("parent__code"), F("code")),
    ).order_by("top_sort", "top_code", "level", "sort_order", "code")
    return [(str(e.pk), e.label_with_parent) for e in qs]


def _entry(kind, value):
    if not value:
        return None
    return DictEntry.objects.filter(kind=kind, is_active=True, pk=value).first() if str(value).isdigit() else None


class StaffBackend:
    immediate = True

    def bureau_choices(self):
        return [(str(org.pk), org.name) for org in portal_bureaus()]

    def purpose_choices(self):
        return _entries(DictKind.PURPOSE)

    def problem_choices(self):
        return _entries(DictKind.PROBLEM, tree=True)

    def satisfaction_choices(self):
        return list(Satisfaction.choices)

    def submit(self, *, bureau, purpose, problem, submit_token, request, **person):
        """Register the petition at once (``portal_petition_submit``); ``ServiceError`` as it raises."""
        org = portal_bureaus().filter(pk=bureau).first() if str(bureau).isdigit() else None
        if org is None:
            raise ServiceError(_("请选择受理机构。"), field="bureau", code="bureau_required")
        case = portal_petition_submit(bureau=org, purpose=_entry(DictKind.PURPOSE, purpose),
                                      problem=_entry(DictKind.PROBLEM, problem), submit_token=submit_token,
                                      request=request, **person)
        return Receipt(number=case.number, code=case.query_code, replayed=bool(getattr(case, "replayed", False)))

    def replayed_receipt(self, token):
        case = online_case_for_token(token)
        return Receipt(number=case.number, code=case.query_code, replayed=True) if case is not None else None

    def receipt_status(self, code):
        return None  # the receipt showed the number and query code at once

    def unlock(self, *, number, code):
        return case_unlock(number=number, code=code)

    def sheet(self, token):
        return case_sheet(token) if isinstance(token, int) else None

    def evaluate(self, token, *, ratings, comment, request):
        case = unlocked_case(token)
        case_evaluate(case=case, ratings=ratings, comment=comment, request=request)

    def review(self, token, *, reason, request):
        case = unlocked_case(token)
        portal_review_request(case=case, reason=reason, request=request)

    def document(self, token, pk, *, request):
        """``(file name, open binary file)`` of document ``pk`` of the unlocked case, or None; the first
        download is its online delivery."""
        found = portal_document(token, pk) if isinstance(token, int) else None
        if found is None:
            return None
        try:
            handle = document_open(found)
        except FileNotFoundError:
            return None
        document_downloaded_online(document=found, request=request)
        return f"{found.case.number}-{found.get_kind_display()}-{found.version}.pdf", handle

    def replies_page(self, page):
        return public_replies_page(page)

