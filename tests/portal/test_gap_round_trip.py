"""The portal across the network gap, end to end (docs/architecture.md §7.2): an online petition
submitted on the internet side's own database crosses as a package, lands in the bureau's pool on the
intranet with a number and query code, the petitioner finds them with the receipt code, staff handle and
answer the case and publish the reply, and the portal's mirror shows the status, the handover dates, the
answer, the document and the reply; the petitioner's evaluation and 复查 request cross back and are
applied by the staff services. The internet side's database holds no query code and no personal data
once the intranet has answered."""
import re
from datetime import timedelta

import pytest
from django.db import connections
from django.urls import reverse

from accounts.models import AuditLog, User
from documents.kinds import DocumentKind
from documents.models import DeliveryMethod, DocumentDelivery
from documents.services import document_issue
from petitions.models import Case, Channel, Evaluation, HandlingOpinion, ReviewRequest
from petitions.selectors.pool import pool_qs
from petitions.workflow import Status
from portal.intranet.models import PortalItem, PortalMirrorState, PortalPackage
from portal.models import MirrorCase, MirrorEntry, MirrorReply, OutboxItem
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import DAY0, act, org
from tests.portal.gap import *  # noqa: F401,F403
from tests.portal.gap import mirror_form
from tests.portal.helpers import ANSWER, CONTENT, ID_NUMBER, INTERNAL_NOTES, PHONE

pytestmark = pytest.mark.django_db(databases=["default", "portal"])

REPLY = "经核查，开发商已完成外墙修复。本答复经信访人同意公开。"


def receipt_code(client):
    page = client.get(reverse("portal:receipt")).content.decode()
    return re.search(r'id="receipt-token">([A-Z0-9-]+)<', page).group(1)


def lookup(client, code):
    return client.post(reverse("portal:receipt_lookup"), {"receipt": code})


def portal_tables_text():
    """Every value stored in the internet side's database, as text (bytes decoded loosely)."""
    found = []
    with connections["portal"].cursor() as cursor:
        tables = [t for t in connections["portal"].introspection.table_names(cursor) if t.startswith("portal_")]
        for table in tables:
            cursor.execute(f"SELECT * FROM {connections['portal'].ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        value = bytes(value).decode("utf-8", "ignore")
                    found.append(str(value))
    return "\n".join(found)


def test_an_online_petition_crosses_the_gap_and_its_answer_comes_back(gap, client, cast, clock):
    # Before the intranet has sent its lists the portal takes no petition, and says why.
    with gap.internet():
        assert "submit-unavailable" in client.get(reverse("portal:submit")).content.decode()
    gap.intranet_run()
    assert [p.name for p in PortalPackage.objects.all()] == ["intranet-0000000001.xfgap"]
    gap.carry_down()
    gap.portal_run()
    assert list(MirrorEntry.objects.filter(kind="bureau").order_by("position").values_list("label", flat=True)) == [
        "州信访局", "青峰市信访局", "石门县信访局", "云溪县信访局"]

    # The petitioner submits on the internet side: a receipt code, nothing on the intranet yet.
    with gap.internet():
        response = mirror_form(client, bureau="53390001")
        assert response.status_code == 302 and response.url == reverse("portal:receipt")
        code = receipt_code(client)
        assert code.replace("-", "") not in client.get(reverse("portal:receipt")).content.decode()  # shown once
        pending = lookup(client, code)
        assert pending.context["status"].state == "pending"
        assert "尚未传送至信访部门" in pending.content.decode()
    assert not Case.objects.exists()
    item = OutboxItem.objects.get()
    assert item.kind == "submission" and item.data["id_number"] == ID_NUMBER and item.answered_at is None

    # One round of both timers: the petition is registered in the bureau's pool, through register_case.
    gap.cycle()
    case = Case.objects.get()
    assert (case.channel, case.status, case.registered_org.code, case.petition_date) == (
        Channel.ONLINE, Status.PENDING, "53390001", DAY0)
    assert case.registered_by == User.objects.get(username="portal:53390001")
    assert case.submit_token == item.uid and case.content == CONTENT
    person = case.petitioners.get()
    assert (person.name, person.id_number, person.phone) == ("赵大海", ID_NUMBER, PHONE)
    assert pool_qs(cast.triage).filter(pk=case.pk).exists()
    assert PortalItem.objects.get(uid=item.uid).outcome == "applied"
    # The portal's first package only confirmed the lists' package; its second carried the petition.
    assert [(p.name, p.counts) for p in PortalPackage.objects.filter(direction="in").order_by("seq")] == [
        ("portal-0000000001.xfgap", {"applied": 0, "refused": 0, "repeated": 0}),
        ("portal-0000000002.xfgap", {"applied": 1, "refused": 0, "repeated": 0})]
    assert AuditLog.objects.filter(action="portal.import", succeeded=True).count() == 2
    assert AuditLog.objects.filter(action="case.register").count() == 1

    # The receipt code now gives the number and query code; the outbox forgot the personal data.
    item.refresh_from_db()
    assert item.answered_at is not None and item.data == {} and item.outcome == "applied"
    with gap.internet():
        found = lookup(client, code)
        status = found.context["status"]
        assert (status.state, status.number, status.code) == ("registered", case.number, case.query_code)
        # Number and code open the case's sheet from the mirror.
        tracked = client.post(reverse("portal:track"), {"number": case.number, "code": case.query_code})
        assert tracked.status_code == 302
        page = client.get(reverse("portal:case")).content.decode()
        assert case.number in page and "已登记" in page
        # A wrong code opens nothing, and says no more than for an unknown number.
        client.post(reverse("portal:leave"))
        wrong = client.post(reverse("portal:track"), {"number": case.number, "code": "ABCDEFGHJK"})
        unknown = client.post(reverse("portal:track"), {"number": "53390001-2026-999999", "code": case.query_code})
        assert wrong.status_code == unknown.status_code == 200
        assert wrong.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()

    # Staff handle the case, with internal opinions at every step, issue a notice and publish the reply.
    clock.day(1)
    act(case, "report_leader", cast.triage, note=INTERNAL_NOTES["report_leader"], leader=cast.leader,
        deadline=clock.today() + timedelta(days=3))
    act(case, "instruct", cast.leader, note=INTERNAL_NOTES["instruct"])
    clock.day(2)
    act(case, "assign", cast.triage, note=INTERNAL_NOTES["assign"], targets=[{"org": org("53390003")}])
    clock.day(3)
    act(case, "accept", cast.dept_handler)
    notice = document_issue(actor=cast.clerk, case=Case.objects.get(pk=case.pk), kind=DocumentKind.RECEIPT)
    clock.day(20)
    act(case, "report_result", cast.dept_handler, note=ANSWER, opinion=HandlingOpinion.SUPPORT)
    clock.day(21)
    act(case, "approve_result", cast.triage, note=INTERNAL_NOTES["approve_result"])
    act(case, "publish_reply", cast.triage, note=REPLY)

    gap.cycle()
    with gap.internet():
        client.post(reverse("portal:track"), {"number": case.number, "code": case.query_code})
        page = client.get(reverse("portal:case"))
        html = page.content.decode()
        assert page.context["case"].status_label == "已答复"
        assert ANSWER in html and REPLY in html and "2026-03-23" in html  # answered on day 21
        assert "交办有权处理的机关、单位" in html and "2026-03-04" in html  # the handover and its date
        for note in INTERNAL_NOTES.values():
            assert note not in html
        assert page.context["case"].handling_unit == org("53390003").name
        assert notice.number in html
        pdf = client.get(reverse("portal:document", args=[notice.pk]))
        assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
        assert REPLY in client.get(reverse("portal:replies")).content.decode()
        assert MirrorReply.objects.get().text == REPLY

        # The petitioner evaluates and asks for 复查: both wait in the outbox, shown as on their way.
        evaluated = client.post(reverse("portal:evaluate"), {"bureau": "satisfied", "unit": "basic", "comment": "谢谢"})
        assert evaluated.status_code == 302
        page = client.get(reverse("portal:case"))
        assert page.context["evaluation_form"] is None  # nothing left to evaluate while it travels
        assert "正在传送至信访部门" in page.content.decode()
        asked = client.post(reverse("portal:review"), {"reason": "对答复不服，请求复查。"})
        assert asked.status_code == 302
        assert client.get(reverse("portal:case")).context["review_form"] is None
    assert not Evaluation.objects.exists() and not ReviewRequest.objects.exists()
    assert not DocumentDelivery.objects.filter(method=DeliveryMethod.ONLINE).exists()

    clock.day(22)
    gap.cycle()
    case.refresh_from_db()
    assert dict(Evaluation.objects.filter(case=case).values_list("target", "value")) == {
        "bureau": "satisfied", "unit": "basic"}
    assert case.status == Status.REVIEWING
    assert ReviewRequest.objects.get(case=case).level == "review"
    delivery = DocumentDelivery.objects.get(document=notice, method=DeliveryMethod.ONLINE)
    assert delivery.delivered_at == OutboxItem.objects.get(kind="download").created_at  # when it was downloaded
    assert PortalItem.objects.filter(outcome="applied").count() == 4  # petition, evaluation, review, download
    with gap.internet():
        page = client.get(reverse("portal:case"))
        assert page.context["case"].status_label == "复查中"
        assert [e.value_label for e in page.context["case"].evaluated] == ["满意", "基本满意"]
        assert "正在传送至信访部门" not in page.content.decode()

    # What the internet side keeps: no query code, no personal data, no internal opinion, no answer in clear.
    stored = portal_tables_text()
    for secret in (case.query_code, ID_NUMBER, PHONE, "赵大海", CONTENT, ANSWER, *INTERNAL_NOTES.values()):
        assert secret not in stored, secret
    assert MirrorCase.objects.get().number == case.number
    assert PortalMirrorState.objects.get(case=case).key is not None
