"""The documents pages: the case page's 文书 panel, issuing from the page and from the action form's box,
the PDF download (recorded in the access log), delivery, the mailing batch and 404 for what is not visible."""
import pytest
from django.urls import reverse

from documents.kinds import DocumentKind
from documents.models import CaseDocument, DocumentDelivery
from petitions.models import CaseView
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import reject_reason
from tests.documents.helpers import make_case

pytestmark = pytest.mark.django_db


def test_case_page_offers_the_receipt_and_issuing_it(cast, clock, client):
    case = make_case(cast.clerk)
    client.force_login(cast.clerk)
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert 'id="case-documents"' in page and "出具登记回执" in page
    url = reverse("documents:issue", args=[case.pk, DocumentKind.RECEIPT])
    assert client.get(url).status_code == 200
    response = client.post(url, {"delivery": "in_person"})
    document = CaseDocument.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == reverse("documents:detail", args=[document.pk])
    detail = client.get(response["Location"]).content.decode()
    assert document.number in detail and document.sha256 in detail
    pdf = client.get(reverse("documents:download", args=[document.pk]))
    assert pdf["Content-Type"] == "application/pdf" and "inline" in pdf["Content-Disposition"]
    assert CaseView.objects.filter(case=case, action="download").exists()
    # Issued once: the page no longer offers it, a second post is refused with the number.
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert "出具登记回执" not in page and document.number in page
    again = client.post(url, {"delivery": "in_person"})
    assert again.status_code == 200 and "不会重新生成" in again.content.decode()


def test_missing_address_for_mail_is_shown_on_the_form(cast, clock, client):
    case = make_case(cast.clerk, person={"name": "王五"})
    client.force_login(cast.clerk)
    response = client.post(reverse("documents:issue", args=[case.pk, DocumentKind.RECEIPT]), {"delivery": "mail"})
    assert response.status_code == 200 and "信访人地址（邮寄送达需要）" in response.content.decode()
    assert not CaseDocument.objects.exists()


def test_the_action_form_issues_the_notice_after_the_transition(cast, clock, client):
    case = make_case(cast.clerk)
    client.force_login(cast.triage)
    url = reverse("petitions:action", args=[case.pk, "reject"])
    form = client.get(url).content.decode()
    assert "同时出具不予受理告知书" in form
    response = client.post(url, {"version": case.version, "reason": reject_reason("1").pk,
                                 "channel": "依法向人民法院提起诉讼。", "note": "", "issue_document": "1",
                                 "document_delivery": "mail"}, follow=True)
    case.refresh_from_db()
    assert case.status == "rejected"
    document = CaseDocument.objects.get(case=case, kind=DocumentKind.REJECTION)
    assert document.planned_delivery == "mail" and document.number in response.content.decode()


def test_a_refused_notice_never_undoes_the_action(cast, clock, client):
    case = make_case(cast.clerk, person={"name": "王五"})  # no address: a mailed notice cannot be issued
    client.force_login(cast.triage)
    response = client.post(reverse("petitions:action", args=[case.pk, "reject"]), {
        "version": case.version, "reason": reject_reason("1").pk, "channel": "依法诉讼。", "note": "",
        "issue_document": "1", "document_delivery": "mail"}, follow=True)
    case.refresh_from_db()
    assert case.status == "rejected" and not CaseDocument.objects.exists()
    assert "信访人地址" in response.content.decode() and "可在本页“文书”栏补出" in response.content.decode()


def test_documents_of_invisible_cases_are_404(cast, clock, client):
    case = make_case(cast.clerk)
    client.force_login(cast.clerk)
    client.post(reverse("documents:issue", args=[case.pk, DocumentKind.RECEIPT]), {"delivery": "in_person"})
    document = CaseDocument.objects.get()
    client.force_login(cast.other_township_handler)
    for name in ("detail", "download"):
        assert client.get(reverse(f"documents:{name}", args=[document.pk])).status_code == 404
    assert client.get(reverse("documents:issue", args=[case.pk, DocumentKind.RECEIPT])).status_code == 404


def test_delivery_and_mailing_pages(cast, clock, client):
    case = make_case(cast.clerk)
    client.force_login(cast.clerk)
    client.post(reverse("documents:issue", args=[case.pk, DocumentKind.RECEIPT]), {"delivery": "mail"})
    document = CaseDocument.objects.get()
    page = client.get(reverse("documents:mailing") + f"?day={clock.today().isoformat()}").content.decode()
    assert document.number in page
    batch = client.get(reverse("documents:mailing") + f"?day={clock.today().isoformat()}&pdf=1")
    assert batch["Content-Type"] == "application/pdf"
    client.post(reverse("documents:deliver", args=[document.pk]), {"method": "mail", "mail_number": "XA0001CN"})
    assert DocumentDelivery.objects.get(document=document).mail_number == "XA0001CN"
    client.post(reverse("documents:deliver", args=[document.pk]), {"method": "mail", "mail_number": ""})
    assert DocumentDelivery.objects.count() == 1  # refused: no mail number
