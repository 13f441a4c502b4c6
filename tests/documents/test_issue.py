"""Issuing documents: every kind at the step that calls for it, its text in the PDF, the 文号, the
frozen copy, corrections, refusals that consume no number, and who may issue what."""
from datetime import timedelta

import pytest

from accounts.audit import verify_chain
from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import AuditLog
from documents.kinds import DocumentKind
from documents.models import CaseDocument, DeliveryMethod, DocumentCounter, DocumentDelivery
from documents.services import document_correct, document_deliver, document_issue, document_offers, document_open
from petitions.models import CaseEvent, HandlingOpinion
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import DAY0, act, org, reject_reason
from tests.documents.helpers import make_case, text_of  # after the star import: its make_case has no address

pytestmark = pytest.mark.django_db


def d(n):
    return DAY0 + timedelta(days=n)


def issue(actor, case, kind, key="case", **kwargs):
    case.refresh_from_db()
    return document_issue(actor=actor, case=case, kind=kind, subject_key=key, **kwargs)


def test_every_kind_along_a_case_life(cast, clock):
    """登记回执 → 交办单 → 转送单 → 受理告知书 → 延长办理期限告知书 → 督办单 → 督办反馈 → 处理意见书 → 复查意见书
    → 复核意见书, and the 信访登记表: each issued by the role that issues it, with its text in the PDF."""
    case = make_case(cast.clerk)
    receipt = issue(cast.clerk, case, DocumentKind.RECEIPT)
    assert receipt.number == f"州信登回字〔{DAY0.year}〕第1号"
    text = text_of(receipt)
    for expected in ("信访事项登记回执", case.number, case.query_code, "李建华", "州信访局", "扫码查询办理进度",
                     "2026年3月2日"):
        assert expected in text, expected
    form = issue(cast.clerk, case, DocumentKind.REGISTRATION_FORM)
    assert "信访事项登记表" in text_of(form) and "13908871234" in text_of(form) and "人民路8号" in text_of(form)

    clock.day(1)
    county = org("53392201")
    case = act(case, "assign", cast.triage, targets=[{"org": county, "deadline": d(60)}], note="请依法办理。")
    top = case.assignments.get()
    slip = issue(cast.triage, case, DocumentKind.ASSIGNMENT_SLIP, f"assignment:{top.pk}")
    text = text_of(slip)
    assert slip.recipient == county.name and "信访事项交办单" in text and "请依法办理" in text
    assert "李建华" in text and "2026年3月18日" in text  # the acceptance deadline, 15 days after assignment

    clock.day(2)
    township = org("533922101")
    case = act(case, "transfer", cast.county_triage, targets=[{"org": township}])
    child = case.assignments.get(org=township)
    transfer = issue(cast.county_triage, case, DocumentKind.TRANSFER_SLIP, f"assignment:{child.pk}")
    assert transfer.number.startswith("石信转字") and "信访事项转送单" in text_of(transfer)

    clock.day(3)
    case = act(case, "accept", cast.township_handler)
    acceptance = issue(cast.township_handler, case, DocumentKind.ACCEPTANCE, f"assignment:{child.pk}")
    text = text_of(acceptance)
    assert "信访事项受理告知书" in text and "2026年3月5日" in text and "石门镇" in text

    clock.day(10)
    case = act(case, "request_extension", cast.township_handler, note="需现场调查取证", days=20)
    case = act(case, "approve_extension", cast.county_triage)
    ext = child.extensions.get()
    extension = issue(cast.township_handler, case, DocumentKind.EXTENSION, f"extension:{ext.pk}")
    text = text_of(extension)
    assert "延长信访事项办理期限告知书" in text and "需现场调查取证" in text and "20日" in text

    clock.day(12)
    case = act(case, "supervise", cast.supervisor, note="请加快办理。", deadline=d(30))
    order = case.supervisions.get()
    supervision = issue(cast.supervisor, case, DocumentKind.SUPERVISION_SLIP, f"supervision:{order.pk}")
    assert "信访事项督办单" in text_of(supervision) and "请加快办理" in text_of(supervision)
    feedback = issue(cast.township_handler, case, DocumentKind.SUPERVISION_FEEDBACK, f"supervision:{order.pk}",
                     inputs={"反馈内容": "已约谈企业负责人，工资已于3月20日补发。"})
    assert feedback.recipient == "州信访局" and "工资已于3月20日补发" in text_of(feedback)

    clock.day(20)
    case = act(case, "report_result", cast.township_handler, note="经调查，企业已补发工资12000元。",
               opinion=HandlingOpinion.SUPPORT)
    case = act(case, "approve_result", cast.county_triage)
    case = act(case, "approve_result", cast.triage)
    opinion = issue(cast.triage, case, DocumentKind.OPINION, inputs={"处理依据": "《劳动合同法》第三十条"})
    text = text_of(opinion)
    for expected in ("信访事项处理意见书", "信访人的请求", "事实和理由", "处理意见及其依据", "企业已补发工资12000元",
                     "支持", "《劳动合同法》第三十条", "30日内", "石门县"):  # 复查 at the level above 石门镇
        assert expected in text, expected

    clock.day(25)
    case = act(case, "request_review", cast.clerk, note="对处理意见不服。")
    case = act(case, "review_decision", cast.county_triage, note="原处理意见事实清楚。", conclusion="uphold")
    review = case.reviews.get()
    review_doc = issue(cast.county_triage, case, DocumentKind.REVIEW_OPINION, f"review:{review.pk}",
                       inputs={"处理依据": "《信访工作条例》第三十五条"})
    text = text_of(review_doc)
    assert "信访事项复查意见书" in text and "维持原处理意见" in text and "青峰州" in text  # 复核 at 青峰州

    clock.day(30)
    case = act(case, "request_recheck", cast.clerk, note="对复查意见仍不服。")
    case = act(case, "recheck_decision", cast.triage, note="复查意见正确。", conclusion="uphold")
    recheck = case.reviews.get(level="recheck")
    recheck_doc = issue(cast.triage, case, DocumentKind.RECHECK_OPINION, f"review:{recheck.pk}",
                        inputs={"处理依据": "《信访工作条例》第三十六条"})
    assert "信访事项复核意见书" in text_of(recheck_doc) and "不再受理" in text_of(recheck_doc)

    # The trail has an issue_document event per document, its audit row names the SHA-256, the chain verifies.
    documents = list(CaseDocument.objects.filter(case=case))
    assert len(documents) == 11
    for document in documents:
        assert document.event.action == "issue_document" and document.event.data["sha256"] == document.sha256
        assert document.sha256 in AuditLog.objects.get(pk=document.event.audit_id).summary
    assert verify_chain() is None


def test_refusal_notices(cast, clock):
    case = make_case(cast.clerk)
    case = act(case, "reject", cast.triage, reason=reject_reason("1"), channel="依法向人民法院提起诉讼或者申请劳动仲裁。")
    rejection = issue(cast.triage, case, DocumentKind.REJECTION, delivery=DeliveryMethod.MAIL)
    text = text_of(rejection)
    assert rejection.number == f"州信不受字〔{DAY0.year}〕第1号"
    for expected in ("信访事项不予受理告知书", "应通过诉讼、仲裁、行政复议等法定途径解决", "申请劳动仲裁", "第二十三条",
                     "李建华"):
        assert expected in text, expected


def test_not_reaccepted_notice(cast, clock):
    first = make_case(cast.clerk)
    repeat = make_case(cast.clerk, first_case=first, is_repeat=True)
    repeat = act(repeat, "not_reaccept", cast.triage, note="该事项已于2025年复核终结。")
    notice = issue(cast.triage, repeat, DocumentKind.NOT_REACCEPTED)
    text = text_of(notice)
    assert "信访事项不再受理告知书" in text and first.number in text and "第三十六条第三款" in text


def test_a_document_is_frozen_and_never_regenerated(cast, clock):
    case = make_case(cast.clerk)
    receipt = issue(cast.clerk, case, DocumentKind.RECEIPT)
    with document_open(receipt) as handle:
        before = handle.read()
    # The case moves on and the template changes: the issued copy stays as it was.
    act(case, "reject", cast.triage, reason=reject_reason("1"), channel="依法诉讼。")
    from documents.services import template_save
    from tests.factories import make_user

    admin = make_user("docadmin", roles=["sysadmin"])
    template_save(actor=admin, kind=DocumentKind.RECEIPT, texts={
        "letterhead": "{{发文机关}}", "title": "新的回执标题", "salutation": "{{信访人姓名}}：", "body": "新的正文",
        "closing_note": "", "number_word": "登回"})
    with document_open(receipt) as handle:
        after = handle.read()
    assert after == before
    import hashlib

    assert hashlib.sha256(after).hexdigest() == receipt.sha256
    # Issuing again is refused, not silently regenerated.
    with pytest.raises(ServiceError) as exc:
        issue(cast.clerk, case, DocumentKind.RECEIPT)
    assert exc.value.code == "already_issued" and receipt.number in exc.value.message


def test_a_correction_is_a_new_version_that_supersedes(cast, clock):
    case = make_case(cast.clerk)
    first = issue(cast.clerk, case, DocumentKind.RECEIPT)
    with pytest.raises(ServiceError):
        document_correct(actor=cast.clerk, document=first, reason="")
    second = document_correct(actor=cast.clerk, document=first, reason="信访人姓名有误")
    assert second.version == 2 and second.supersedes == first and second.number.endswith("第2号")
    first.refresh_from_db()
    assert first.superseded_by == second
    assert CaseDocument.objects.filter(case=case).count() == 2  # both stay
    with pytest.raises(ServiceError):
        document_correct(actor=cast.clerk, document=first, reason="again")
    assert CaseEvent.objects.filter(case=case, action="issue_document").count() == 2


def test_missing_data_is_named_and_consumes_no_number(cast, clock):
    case = make_case(cast.clerk, person={"name": "王五", "phone": "13800001111"})  # no address
    with pytest.raises(ServiceError) as exc:
        issue(cast.clerk, case, DocumentKind.RECEIPT, delivery=DeliveryMethod.MAIL)
    assert exc.value.code == "missing" and "信访人地址" in exc.value.message
    assert not CaseDocument.objects.exists() and not DocumentCounter.objects.filter(last_seq__gt=0).exists()
    receipt = issue(cast.clerk, case, DocumentKind.RECEIPT, delivery=DeliveryMethod.IN_PERSON)
    assert receipt.seq == 1  # the refused attempt took no number
    case.refresh_from_db()
    case = act(case, "assign", cast.triage, targets=[{"org": org("53390003")}])
    case = act(case, "accept", cast.dept_handler)
    case = act(case, "report_result", cast.dept_handler, note="已核实。", opinion=HandlingOpinion.SUPPORT)
    case = act(case, "approve_result", cast.triage)
    with pytest.raises(ServiceError) as exc:
        issue(cast.triage, case, DocumentKind.OPINION, inputs={"处理依据": ""})
    assert "处理依据" in exc.value.message


def test_anonymous_cases_get_no_notice(cast, clock):
    case = make_case(cast.clerk, person=None, letter_nature=__import__("petitions.models", fromlist=["DictEntry"])
                     .DictEntry.objects.get(kind="letter_nature", code="3"))
    with pytest.raises(ServiceError) as exc:
        issue(cast.clerk, case, DocumentKind.RECEIPT)
    assert exc.value.code == "no_petitioner"


def test_who_may_issue(cast, clock):
    case = make_case(cast.clerk)
    with pytest.raises(NotAllowed):
        issue(cast.township_handler, case, DocumentKind.RECEIPT)  # not his case's registering office
    with pytest.raises(NotAllowed):
        issue(cast.triage, case, DocumentKind.REJECTION)  # nothing was refused
    assert [o.kind for o in document_offers(cast.clerk, case)] == [DocumentKind.RECEIPT, DocumentKind.REGISTRATION_FORM]
    assert document_offers(cast.statistician, case) == []


def test_confidential_slip_names_no_petitioner(cast, clock):
    case = make_case(cast.clerk, confidential=True, accused_org=org("53390002"))
    case = act(case, "assign", cast.triage, targets=[{"org": org("53390003")}])
    a = case.assignments.get()
    slip = issue(cast.triage, case, DocumentKind.ASSIGNMENT_SLIP, f"assignment:{a.pk}")
    text = text_of(slip)
    assert "李建华" not in text and "13908871234" not in text and "保密件" in text
    assert slip.recipient_org == org("53390003")


def test_delivery_records(cast, clock):
    case = make_case(cast.clerk)
    receipt = issue(cast.clerk, case, DocumentKind.RECEIPT, delivery=DeliveryMethod.MAIL)
    with pytest.raises(ServiceError) as exc:
        document_deliver(actor=cast.clerk, document=receipt, method=DeliveryMethod.MAIL)
    assert exc.value.code == "mail_number"
    with pytest.raises(NotAllowed):
        document_deliver(actor=cast.township_handler, document=receipt, method=DeliveryMethod.IN_PERSON)
    delivery = document_deliver(actor=cast.clerk, document=receipt, method=DeliveryMethod.MAIL,
                                mail_number="XA123456789CN")
    assert delivery.recorded_by == cast.clerk and delivery.mail_number == "XA123456789CN"
    assert DocumentDelivery.objects.filter(document=receipt).count() == 1
    assert CaseEvent.objects.filter(case=case, action="deliver_document").exists()
