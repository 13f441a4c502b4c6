"""The documents of routing out (docs/domain.md §3.5.2): the 转送单 to the 政法 organ (条例第二十二条第二款)
or the 纪检监察 organ (第二十二条第二款、第三十条) and the notices to the petitioner, the 转送告知书 and the
导入法定途径告知书 (第三十一条): offered only after their step, numbered, frozen, corrected and delivered like
the other documents, a confidential case's slip without the petitioner, the notices on the portal."""
import hashlib

import pytest
from django.urls import reverse

from accounts.exceptions import NotAllowed, ServiceError
from documents.kinds import SAMPLE_VALUES, DocumentKind
from documents.models import CaseDocument, DeliveryMethod, DocumentDelivery
from documents.services import (
    document_correct, document_deliver, document_issue, document_offers, document_open, sample_preview,
)
from documents.rendering import pdf_text
from petitions.models import CaseEvent, DictEntry, DictKind
from tests.factories import make_user
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import DAY0, act, org
from tests.documents.helpers import make_case, text_of  # after the star import: its make_case has no address

pytestmark = pytest.mark.django_db

LEGAL_ORGAN = "53390002"  # 州公安局, a department of the prefecture's government
DISCIPLINE_ORGAN = "53390007"  # 州纪委监委
ROUTED_KINDS = {DocumentKind.ROUTING_SLIP, DocumentKind.ROUTING_NOTICE, DocumentKind.GUIDE_NOTICE}


def purpose(code):
    return DictEntry.objects.get(kind=DictKind.PURPOSE, code=code)


def issue(actor, case, kind, **kwargs):
    case.refresh_from_db()
    return document_issue(actor=actor, case=case, kind=kind, **kwargs)


def offered(user, case):
    case.refresh_from_db()
    return {o.kind for o in document_offers(user, case)} & ROUTED_KINDS


def test_route_legal_gives_the_slip_to_the_organ_and_the_notice_to_the_petitioner(cast, clock):
    case = make_case(cast.clerk)
    assert offered(cast.triage, case) == set()  # not before the step
    with pytest.raises(NotAllowed):
        issue(cast.triage, case, DocumentKind.ROUTING_SLIP)
    clock.day(3)
    case = act(case, "route_legal", cast.triage, note="涉及劳务合同纠纷的诉讼，请依法处理。", org=org(LEGAL_ORGAN))
    assert offered(cast.triage, case) == {DocumentKind.ROUTING_SLIP, DocumentKind.ROUTING_NOTICE}
    assert offered(cast.county_triage, case) == set()  # not his bureau's step
    assert offered(cast.clerk, case) == set()  # a clerk does not route

    slip = issue(cast.triage, case, DocumentKind.ROUTING_SLIP)
    assert slip.number == f"州信转送字〔{DAY0.year}〕第1号" and slip.subject_key == "case"
    assert (slip.recipient, slip.recipient_org, slip.to_petitioner) == ("州公安局", org(LEGAL_ORGAN), False)
    assert slip.planned_delivery == DeliveryMethod.INTERNAL and slip.assignment is None
    text = text_of(slip)
    for expected in ("信访事项转送单", "州公安局", case.number, "涉法涉诉事项", "第二十二条第二款",
                     "涉及劳务合同纠纷的诉讼", "2026年3月5日", "李建华", "13908871234", "州信访局"):
        assert expected in text, expected
    assert "第三十条" not in text and "保密件" not in text

    notice = issue(cast.triage, case, DocumentKind.ROUTING_NOTICE, delivery=DeliveryMethod.MAIL)
    assert notice.number == f"州信转告字〔{DAY0.year}〕第1号"
    assert (notice.to_petitioner, notice.recipient, notice.petitioner.name) == (True, "李建华", "李建华")
    text = text_of(notice)
    for expected in ("信访事项转送告知书", "李建华", case.number, "州公安局", "涉法涉诉事项", "第二十二条第二款",
                     "依照有关法律规定的程序和期限", "2026年3月5日"):
        assert expected in text, expected
    assert "涉及劳务合同纠纷的诉讼" not in text  # the 转送意见 is for the organ
    assert offered(cast.triage, case) == set()  # issued once each

    # Frozen, in the trail with the SHA-256, and delivered like any document.
    for document in (slip, notice):
        with document_open(document) as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == document.sha256
        assert document.event.action == "issue_document" and document.event.data["sha256"] == document.sha256
    with pytest.raises(ServiceError) as exc:
        issue(cast.triage, case, DocumentKind.ROUTING_SLIP)
    assert exc.value.code == "already_issued"
    with pytest.raises(ServiceError):  # a slip goes to a unit, not by SMS
        document_deliver(actor=cast.triage, document=slip, method=DeliveryMethod.SMS)
    document_deliver(actor=cast.triage, document=slip, method=DeliveryMethod.INTERNAL, recipient="州公安局信访科")
    document_deliver(actor=cast.triage, document=notice, method=DeliveryMethod.MAIL, mail_number="XA100200300CN")
    assert DocumentDelivery.objects.filter(document__case=case).count() == 2
    assert CaseEvent.objects.filter(case=case, action="deliver_document").count() == 2


def test_route_discipline_gives_the_slip_and_no_notice(cast, clock):
    case = make_case(cast.clerk, purpose=purpose("02"), summary="反映州某局副局长收受财物问题")
    case = act(case, "route_discipline", cast.triage, note="反映公职人员收受财物问题，按干部管理权限转送。",
               org=org(DISCIPLINE_ORGAN))
    assert offered(cast.triage, case) == {DocumentKind.ROUTING_SLIP}
    with pytest.raises(NotAllowed):
        issue(cast.triage, case, DocumentKind.ROUTING_NOTICE)
    slip = issue(cast.triage, case, DocumentKind.ROUTING_SLIP)
    assert slip.recipient_org == org(DISCIPLINE_ORGAN)
    text = text_of(slip)
    for expected in ("信访事项转送单", "州纪委监委", case.number, "检举控告类事项", "第二十二条第二款、第三十条",
                     "干部管理权限", "按干部管理权限转送", "李建华"):
        assert expected in text, expected


def test_a_confidential_case_slip_names_no_petitioner(cast, clock):
    accused = org("533922")  # the county government is accused
    case = make_case(cast.clerk, purpose=purpose("02"), confidential=True, accused_org=accused)
    case = act(case, "route_discipline", cast.triage, note="检举县政府工作人员。", org=org(DISCIPLINE_ORGAN))
    slip = issue(cast.triage, case, DocumentKind.ROUTING_SLIP)
    text = text_of(slip)
    assert "李建华" not in text and "13908871234" not in text and "人民路8号" not in text
    assert "保密件" in text and "检举、揭发材料及有关情况不得透露" in text and "第三十条第三款" in text
    assert "李建华" not in str(slip.values) and slip.petitioner is None
    # The receiving organ reads it through its per-case grant; the accused county sees neither.
    organ_user = make_user("jiwei_reader", org_code=DISCIPLINE_ORGAN, roles=["handler"])
    from documents.selectors import case_documents, document_get_visible

    assert [d.pk for d in case_documents(organ_user, case)] == [slip.pk]
    from django.http import Http404

    with pytest.raises(Http404):
        document_get_visible(cast.county_triage, slip.pk)


def test_guide_procedure_gives_the_written_notice(cast, clock, client):
    case = make_case(cast.clerk)
    clock.day(1)
    told = "属于劳务合同纠纷，请依法向石门县人民法院提起民事诉讼。"
    case = act(case, "guide_procedure", cast.triage, note=told, procedure="litigation")
    assert offered(cast.triage, case) == {DocumentKind.GUIDE_NOTICE}  # no 转送单: nothing went to an organ
    with pytest.raises(NotAllowed):
        issue(cast.triage, case, DocumentKind.ROUTING_SLIP)
    notice = issue(cast.triage, case, DocumentKind.GUIDE_NOTICE, delivery=DeliveryMethod.IN_PERSON)
    assert notice.number == f"州信导告字〔{DAY0.year}〕第1号" and notice.to_petitioner
    text = text_of(notice)
    for expected in ("信访事项导入法定途径告知书", "李建华", case.number, "应当通过诉讼解决", "第三十一条", told,
                     "有管辖权的人民法院", "依照有关法律规定的期限", "2026年3月3日", "州信访局"):
        assert expected in text, expected

    # A correction is a new version with the next number; both stay, the portal lists both.
    second = document_correct(actor=cast.triage, document=notice, reason="送达地址有误")
    assert (second.version, second.supersedes, second.number) == (2, notice, f"州信导告字〔{DAY0.year}〕第2号")

    # The petitioner sees and downloads it on the portal with the case's number and query code.
    client.post(reverse("portal:track"), {"number": case.number, "code": case.query_code})
    page = client.get(reverse("portal:case")).content.decode()
    assert notice.number in page and second.number in page and "导入法定途径告知书" in page
    response = client.get(reverse("portal:document", args=[second.pk]))
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == second.sha256
    assert DocumentDelivery.objects.filter(document=second, method=DeliveryMethod.ONLINE).exists()


def test_the_slip_is_not_on_the_portal_and_the_notice_is(cast, clock, client):
    case = make_case(cast.clerk)
    case = act(case, "route_legal", cast.triage, note="请依法处理。", org=org(LEGAL_ORGAN))
    slip = issue(cast.triage, case, DocumentKind.ROUTING_SLIP)
    notice = issue(cast.triage, case, DocumentKind.ROUTING_NOTICE)
    client.post(reverse("portal:track"), {"number": case.number, "code": case.query_code})
    page = client.get(reverse("portal:case")).content.decode()
    assert notice.number in page and slip.number not in page
    assert client.get(reverse("portal:document", args=[slip.pk])).status_code == 404
    assert client.get(reverse("portal:document", args=[notice.pk])).status_code == 200


@pytest.mark.parametrize("action, data", [
    ("reject", None),  # refused, not routed out
    ("assign", None),  # handed to a unit: its 交办单, never a routing document
])
def test_not_offered_for_a_case_not_routed_out(cast, clock, action, data):
    from tests.petitions.workflow_helpers import reject_reason

    case = make_case(cast.clerk)
    if action == "reject":
        case = act(case, "reject", cast.triage, reason=reject_reason("1"), channel="依法诉讼。")
    else:
        case = act(case, "assign", cast.triage, targets=[{"org": org("53392201")}])
    assert offered(cast.triage, case) == set()
    for kind in ROUTED_KINDS:
        with pytest.raises(NotAllowed):
            issue(cast.triage, case, kind)
    assert not CaseDocument.objects.filter(kind__in=ROUTED_KINDS).exists()


def test_the_action_forms_offer_and_issue_them(cast, clock, client):
    client.force_login(cast.triage)
    case = make_case(cast.clerk)
    url = reverse("petitions:action", args=[case.pk, "route_legal"])
    assert "同时出具转送单（政法、纪检监察）" in client.get(url).content.decode()
    response = client.post(url, {"version": case.version, "org": org(LEGAL_ORGAN).pk, "note": "请依法处理。",
                                 "issue_document": "1", "document_delivery": "internal"}, follow=True)
    slip = CaseDocument.objects.get(case=case, kind=DocumentKind.ROUTING_SLIP)
    assert slip.planned_delivery == "internal" and slip.number in response.content.decode()
    # The case page's 文书 panel lists the slip and offers the 转送告知书.
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    panel = page.split('id="case-documents"')[1]
    assert slip.number in panel and "出具转送告知书" in panel and "出具转送单" not in panel

    guided = make_case(cast.clerk)
    url = reverse("petitions:action", args=[guided.pk, "guide_procedure"])
    assert "同时出具导入法定途径告知书" in client.get(url).content.decode()
    client.post(url, {"version": guided.version, "procedure": "arbitration", "note": "请向劳动人事争议仲裁委员会申请仲裁。",
                      "issue_document": "1", "document_delivery": "mail"}, follow=True)
    notice = CaseDocument.objects.get(case=guided, kind=DocumentKind.GUIDE_NOTICE)
    assert notice.planned_delivery == "mail" and "仲裁" in text_of(notice)

    accusation = make_case(cast.clerk, purpose=purpose("02"))
    url = reverse("petitions:action", args=[accusation.pk, "route_discipline"])
    assert "同时出具转送单（政法、纪检监察）" in client.get(url).content.decode()


def test_issue_page_of_the_notice(cast, clock, client):
    case = make_case(cast.clerk)
    act(case, "route_legal", cast.triage, note="请依法处理。", org=org(LEGAL_ORGAN))
    client.force_login(cast.triage)
    url = reverse("documents:issue", args=[case.pk, DocumentKind.ROUTING_NOTICE])
    assert client.get(url).status_code == 200
    response = client.post(url, {"delivery": "in_person"})
    notice = CaseDocument.objects.get(case=case, kind=DocumentKind.ROUTING_NOTICE)
    assert response.status_code == 302 and response["Location"] == reverse("documents:detail", args=[notice.pk])
    client.force_login(cast.county_triage)  # another bureau: cannot see the case
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("kind", sorted(ROUTED_KINDS))
def test_default_templates_render_with_the_sample(kind):
    from documents.kinds import default_texts

    text = "".join(pdf_text(sample_preview(kind, default_texts(kind))).split())
    assert SAMPLE_VALUES["信访件编号"] in text
    expected = {DocumentKind.ROUTING_SLIP: "青峰州公安局", DocumentKind.ROUTING_NOTICE: "青峰州公安局",
                DocumentKind.GUIDE_NOTICE: "有管辖权的人民法院"}[kind]
    assert expected in text


def test_the_wording_is_editable_like_the_others(cast, clock):
    from documents.kinds import default_texts
    from documents.services import template_save

    admin = make_user("routing_tpl_admin", roles=["sysadmin"])
    texts = {**default_texts(DocumentKind.GUIDE_NOTICE), "body": "经审查应通过{{法定途径}}解决：{{告知内容}}",
             "number_word": "导入"}
    template_save(actor=admin, kind=DocumentKind.GUIDE_NOTICE, texts=texts)
    with pytest.raises(ServiceError):  # the slip's placeholders are not the notice's
        template_save(actor=admin, kind=DocumentKind.GUIDE_NOTICE, texts={**texts, "body": "{{转送意见}}"})
    case = act(make_case(cast.clerk), "guide_procedure", cast.triage, note="请申请行政复议。",
               procedure="reconsideration")
    notice = issue(cast.triage, case, DocumentKind.GUIDE_NOTICE)
    assert notice.number == f"州信导入字〔{DAY0.year}〕第1号"
    assert "经审查应通过行政复议解决：请申请行政复议。" in text_of(notice)
