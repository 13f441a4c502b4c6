"""Reads of the documents app. Staff reads start from ``petitions.selectors.case_visible_qs`` (a document
of a case the user may not see is a 404, like the case); the portal's reads take the case the visitor
unlocked with its number and query code and return only what is addressed to the petitioner.
"""
from datetime import datetime, time, timedelta

from django.http import Http404
from django.utils import timezone

from accounts.selectors import acting_org_ids
from petitions.selectors import case_visible_qs

from documents.kinds import SPECS, DocumentKind, default_texts
from documents.models import CaseDocument, DeliveryMethod, DocumentTemplate, OfficeProfile

PII_PERMISSION = "petitions.view_pii"


def template_texts(kind):
    """The wording of ``kind`` now: the administrator's row, else the defaults."""
    row = DocumentTemplate.objects.filter(kind=kind).first()
    if row is None:
        return default_texts(kind)
    return {"letterhead": row.letterhead, "title": row.title, "salutation": row.salutation, "body": row.body,
            "closing_note": row.closing_note, "number_word": row.number_word}


def templates_overview():
    """Every kind with whether its wording was changed (the template list page)."""
    rows = {row.kind: row for row in DocumentTemplate.objects.select_related("updated_by")}
    return [{"kind": kind, "label": DocumentKind(kind).label, "title": SPECS[kind].title, "row": rows.get(kind)}
            for kind in SPECS]


def office_profile(org):
    return OfficeProfile.objects.filter(org=org).first()


def _readable_kinds(user):
    """Kinds the user may read: the ones carrying phones and ID numbers only with ``view_pii``."""
    pii = user.has_perm(PII_PERMISSION)
    return [kind for kind, spec in SPECS.items() if pii or not spec.pii]


def case_documents(user, case):
    """Documents of ``case`` (already visible to ``user``), oldest first, with their deliveries and
    the version that replaced each superseded one."""
    return list(CaseDocument.objects.filter(case=case, kind__in=_readable_kinds(user))
                .select_related("org", "issued_by", "superseded_by")
                .prefetch_related("deliveries__recorded_by").order_by("issued_at", "id"))


def document_get_visible(user, pk):
    """One document whose case the user may see (and, for the kinds with phones and ID numbers,
    with ``view_pii``), or Http404."""
    document = (CaseDocument.objects.select_related("case", "org", "petitioner", "superseded_by", "issued_by")
                .filter(pk=pk, kind__in=_readable_kinds(user)).first())
    if document is None or not case_visible_qs(user).filter(pk=document.case_id).exists():
        raise Http404
    return document


def day_bounds(day):
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def mailing_documents(user, day):
    """The notices to petitioners that the user's organizations issued on ``day`` for delivery by
    mail, current versions only, oldest first: the day's mailing batch."""
    start, end = day_bounds(day)
    return list(CaseDocument.objects.filter(
        org_id__in=acting_org_ids(user), planned_delivery=DeliveryMethod.MAIL, to_petitioner=True,
        issued_at__gte=start, issued_at__lt=end, superseded_by__isnull=True, case__in=case_visible_qs(user),
    ).select_related("case", "org", "petitioner").order_by("issued_at", "id"))


def portal_documents(case_pk):
    """What the portal lists for the unlocked case: the documents addressed to the petitioner, every
    version (a superseded one marked as such), oldest first."""
    return list(CaseDocument.objects.filter(case_id=case_pk, to_petitioner=True)
                .select_related("org", "superseded_by").order_by("issued_at", "id"))


def portal_document(case_pk, pk):
    """One document addressed to the petitioner of the unlocked case, or None (another case's
    document, or one not addressed to him, is refused alike)."""
    return CaseDocument.objects.filter(case_id=case_pk, pk=pk, to_petitioner=True).first()
