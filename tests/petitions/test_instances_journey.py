"""A case between the prefecture's instance and 石门县's own instance, end to end, on two databases
(docs/architecture.md §6.2): the prefecture assigns → package → the county's 上级交办 → the county passes
it to a township, which accepts, asks for more time, reports a result with a file; the county approves
it and issues a document → package → the prefecture sees the result waiting for its approval, approves
→ package → the county's copy is answered. Every step at the other end goes through the workflow.
"""
from collections import Counter
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditLog, Reminder
from documents.kinds import DocumentKind
from documents.models import CaseDocument
from documents.services import document_issue, document_open
from petitions.models import (
    Assignment, AssignmentStatus, Attachment, CaseEvent, ExtensionRequest, InboundItem, ItemOutcome, Petitioner,
)
from petitions.selectors import queues
from petitions.services.attachments import attachment_open
from petitions.workflow import Status
from tests.petitions.instance_helpers import (  # noqa: F401 (fixtures)
    COUNTY, DAY0, DB, ID_NUMBER, act, carry, case_at, instances, org, register, wall,
)

pytestmark = DB
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


def statuses(case):
    return sorted((a.org.code, a.status) for a in Assignment.objects.filter(case=case).select_related("org"))


def test_assignment_down_and_result_back(instances, wall):
    prefecture, county = instances
    with prefecture:
        case = register(prefecture.user("clerk"))
        number = case.number
        wall.day(1)
        act(case, "assign", prefecture.user("triage"), note="请依法办理并按期报结果。",
            targets=[{"org": org(COUNTY), "deadline": DAY0 + timedelta(days=50)}])
        top = Assignment.objects.get(case=case)
        assert case_at(number).status == Status.AWAITING_ACCEPTANCE

    wall.day(2)
    report = carry(prefecture, county)
    assert report.outcome == "applied" and report.applied == [1] and report.problems == []

    with county:
        copy = case_at(number)
        assert copy.status == Status.AWAITING_ACCEPTANCE and copy.registered_org.code == "53390001"
        # personal data arrived and is stored under the county's own field key
        assert Petitioner.objects.get(case=copy).id_number == ID_NUMBER
        a = Assignment.objects.get(case=copy)
        assert (a.org.code, a.status, a.acceptance_due, a.handling_due) == (
            COUNTY, AssignmentStatus.PENDING, top.acceptance_due, top.handling_due)
        triage = county.user("county_triage")
        assert [x.case.number for x in queues.received_assignments(triage)] == [number]
        assert Reminder.objects.filter(user=triage, title__contains=number).exists()
        assert list(copy.events.values_list("action", flat=True)) == ["register", "assign"]

        wall.day(3)
        act(copy, "transfer", triage, targets=[{"org": org("533922101")}], parent=a.pk)
        handler = county.user("township_handler")
        wall.day(4)
        act(copy, "accept", handler)
        child = Assignment.objects.get(case=copy, org__code="533922101")
        acceptance = document_issue(actor=handler, case=case_at(number), kind=DocumentKind.ACCEPTANCE,
                                    subject_key=f"assignment:{child.pk}")
        wall.day(10)
        act(copy, "request_extension", handler, note="需调取企业工资台账。", days=10)
        ext = ExtensionRequest.objects.get(assignment__case=copy)
        act(copy, "approve_extension", triage, extension=ext.pk)
        wall.day(20)
        from petitions.services.transitions import case_report_result
        case_report_result(case=case_at(number), actor=handler, result="已督促企业支付拖欠工资4.6万元。",
                           opinion="support", files=[SimpleUploadedFile("支付凭证.pdf", PDF)])
        wall.day(21)
        act(copy, "approve_result", triage)
        copy.refresh_from_db()
        assert copy.status == Status.RESULT_REPORTED  # waits for the prefecture, which assigned it
        child = Assignment.objects.get(case=copy, org__code="533922101")

    wall.day(22)
    report = carry(county, prefecture)
    assert report.problems == [] and report.counts == {ItemOutcome.APPLIED: 6, ItemOutcome.HISTORY: 1}

    with prefecture:
        case = case_at(number)
        assert case.status == Status.RESULT_REPORTED
        assert statuses(case) == [(COUNTY, AssignmentStatus.REPORTED), ("533922101", AssignmentStatus.APPROVED)]
        mirrored = Assignment.objects.get(case=case, org__code="533922101")
        assert (mirrored.accepted_at, mirrored.handling_due, mirrored.extension_days) == (
            child.accepted_at, child.handling_due, 10)
        assert Assignment.objects.get(case=case, org__code=COUNTY).result_text == "已督促企业支付拖欠工资4.6万元。"
        # the steps were taken here by the organizations' exchange accounts, at the county's times
        accept = case.events.get(action="accept")
        assert accept.actor.username == "exchange:533922101" and accept.created_at == child.accepted_at
        assert accept.audit_id is not None
        # the file and the document came along, the document with its number, frozen
        attachment = Attachment.objects.get(case=case)
        with attachment_open(attachment) as fh:
            assert fh.read() == PDF
        doc = CaseDocument.objects.get(case=case)
        assert (doc.number, doc.sha256, doc.org.code) == (acceptance.number, acceptance.sha256, "533922101")
        with document_open(doc) as fh:
            assert fh.read()[:5] == b"%PDF-"
        triage = prefecture.user("triage")
        assert Reminder.objects.filter(user=triage, title__contains="办理结果待审核").exists()
        wall.day(23)
        act(case, "approve_result", triage)
        assert case_at(number).status == Status.ANSWERED

    wall.day(24)
    report = carry(prefecture, county)
    assert report.problems == []
    with county:
        copy = case_at(number)
        assert copy.status == Status.ANSWERED and copy.answer_text == "已督促企业支付拖欠工资4.6万元。"
        assert statuses(copy) == [(COUNTY, AssignmentStatus.APPROVED), ("533922101", AssignmentStatus.APPROVED)]
        assert not InboundItem.objects.exclude(outcome__in=[ItemOutcome.APPLIED, ItemOutcome.HISTORY,
                                                            ItemOutcome.COPIED]).exists()
    with county:
        county_steps = list(CaseEvent.objects.filter(case=case_at(number)).values_list("action", flat=True))
    with prefecture:
        assert AuditLog.objects.filter(action="exchange.receive", succeeded=True).count() == 1
        # Every step taken in the county's instance is in the prefecture's trail of the case, once.
        prefecture_steps = Counter(CaseEvent.objects.filter(case=case_at(number)).values_list("action", flat=True))
        for action, n in Counter(county_steps).items():
            if action not in ("assign",):  # the assignment is the prefecture's own step, copied down
                assert prefecture_steps[action] >= n, (action, prefecture_steps, county_steps)
        for action in ("transfer", "accept", "request_extension", "approve_extension", "report_result"):
            assert prefecture_steps[action] == 1, (action, prefecture_steps)
