"""The petitioner's side (the portal lists and serves only his documents, with the right number and
query code), the template editor's refusals, the 2FA QR code and the mailing batch."""
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from documents.kinds import DocumentKind
from documents.models import DeliveryMethod, DocumentDelivery, DocumentTemplate
from documents.services import document_issue, mailing_batch_pdf, template_save
from accounts.exceptions import ServiceError
from tests.factories import enrol_otp, make_user
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, org, reject_reason
from tests.documents.helpers import make_case

pytestmark = pytest.mark.django_db


def _track(client, number, code):
    return client.post(reverse("portal:track"), {"number": number, "code": code})


def test_portal_download_only_with_the_right_number_and_code(cast, clock, client):
    case = make_case(cast.clerk)
    other = make_case(cast.clerk)
    receipt = document_issue(actor=cast.clerk, case=case, kind=DocumentKind.RECEIPT)
    internal = document_issue(actor=cast.clerk, case=case, kind=DocumentKind.REGISTRATION_FORM)
    other_receipt = document_issue(actor=cast.clerk, case=other, kind=DocumentKind.RECEIPT)
    url = reverse("portal:document", args=[receipt.pk])

    assert client.get(url).status_code == 404  # nothing unlocked
    _track(client, case.number, "WRONGCODE2")
    assert client.get(url).status_code == 404  # wrong code
    _track(client, other.number, other.query_code)
    assert client.get(url).status_code == 404  # another case unlocked

    response = _track(client, case.number, case.query_code)
    assert response.status_code == 302
    page = client.get(reverse("portal:case")).content.decode()
    assert receipt.number in page and internal.number not in page and other_receipt.number not in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    import hashlib

    assert hashlib.sha256(body).hexdigest() == receipt.sha256
    # Documents not addressed to the petitioner, and other cases' documents, are not served.
    assert client.get(reverse("portal:document", args=[internal.pk])).status_code == 404
    assert client.get(reverse("portal:document", args=[other_receipt.pk])).status_code == 404
    # The first download is the online delivery, recorded once.
    client.get(url)
    assert DocumentDelivery.objects.filter(document=receipt, method=DeliveryMethod.ONLINE).count() == 1


def test_portal_shows_the_handover_dates_without_organizations(cast, clock, client):
    case = make_case(cast.clerk)
    clock.day(2)
    act(case, "assign", cast.triage, targets=[{"org": org("53392201")}])
    _track(client, case.number, case.query_code)
    page = client.get(reverse("portal:case")).content.decode()
    assert "办理经过" in page and "2026-03-04" in page and "交办有权处理的机关、单位" in page
    assert "石门县信访局" not in page.split('id="handovers"')[1].split("</section>")[0]


@pytest.fixture
def admin(orgs):
    user = make_user("tpladmin", roles=["sysadmin"])
    enrol_otp(user)  # the 三员 must use two-factor login
    return user


TEXTS = {"letterhead": "{{发文机关}}", "title": "信访事项不予受理告知书", "salutation": "{{信访人姓名}}：",
         "body": "经审查，{{不予受理理由}}。", "closing_note": "（联系电话：{{联系电话}}）", "number_word": "不受"}


@pytest.mark.parametrize("field, value, message", [
    ("body", "经审查，{{不予受理理由}。", "占位符格式不正确"),
    ("body", "经审查，{% if x %}不予受理{% endif %}", "模板标签"),
    ("body", "{{查询码}}", "未知的占位符"),  # the query code belongs on the receipt only
    ("body", "{{信访人身份证号}}", "未知的占位符"),
    ("body", "<script>alert(1)</script>", "HTML标签"),
    ("closing_note", '<img src=x onerror="alert(1)">', "HTML标签"),
    ("title", "", "不能为空"),
    ("number_word", "bu", "文号代字"),
])
def test_bad_templates_are_refused_at_save(admin, field, value, message):
    with pytest.raises(ServiceError) as exc:
        template_save(actor=admin, kind=DocumentKind.REJECTION, texts={**TEXTS, field: value})
    assert any(message in m for m in exc.value.message_dict[field]), exc.value.message_dict
    assert not DocumentTemplate.objects.exists()


def test_a_good_template_is_saved_and_used(admin, cast, clock):
    template_save(actor=admin, kind=DocumentKind.REJECTION, texts={**TEXTS, "body": "新措辞：{{不予受理理由}}。"})
    case = make_case(cast.clerk)
    act(case, "reject", cast.triage, reason=reject_reason("1"), channel="依法诉讼。")
    from tests.documents.helpers import text_of

    notice = document_issue(actor=cast.triage, case=case, kind=DocumentKind.REJECTION)
    assert "新措辞：应通过诉讼" in text_of(notice)


def test_template_pages(admin, client):
    client.force_login(admin)
    page = client.get(reverse("documents:template_edit", args=[DocumentKind.RECEIPT])).content.decode()
    assert "{{查询码}}" in page and "{{门户网址}}" in page  # the placeholders beside the editor
    preview = client.post(reverse("documents:template_edit", args=[DocumentKind.RECEIPT]),
                          {**TEXTS, "body": "示例：{{查询码}}", "preview": "1"})
    assert preview["Content-Type"] == "application/pdf"
    assert "ABCDE23456" in "".join(PdfReader(io.BytesIO(preview.content)).pages[0].extract_text().split())
    refused = client.post(reverse("documents:template_edit", args=[DocumentKind.RECEIPT]),
                          {**TEXTS, "body": "{{不存在}}", "save": "1"})
    assert refused.status_code == 200 and "未知的占位符" in refused.content.decode()


def test_template_editor_is_for_the_administrator(cast, client):
    client.force_login(cast.triage)
    assert client.get(reverse("documents:template_list")).status_code == 403


def test_otp_enrolment_shows_a_qr_code(orgs, client):
    user = make_user("enrolling", roles=["clerk"])
    client.force_login(user)
    page = client.get(reverse("accounts:otp_setup")).content.decode()
    assert 'id="otp-qr"' in page and "<svg" in page.split('id="otp-qr"')[1]


def test_mailing_batch_joins_the_frozen_copies_after_the_labels(cast, clock):
    cases = [make_case(cast.clerk) for _ in range(3)]
    documents = [document_issue(actor=cast.clerk, case=c, kind=DocumentKind.RECEIPT, delivery=DeliveryMethod.MAIL)
                 for c in cases]
    from documents.selectors import mailing_documents

    assert [d.pk for d in mailing_documents(cast.clerk, clock.today())] == [d.pk for d in documents]
    reader = PdfReader(io.BytesIO(mailing_batch_pdf(documents)))
    labels = "".join(reader.pages[0].extract_text().split())
    assert "人民路8号" in labels and "李建华" in labels and documents[0].number in labels
    assert len(reader.pages) == 1 + sum(d.pages for d in documents)
