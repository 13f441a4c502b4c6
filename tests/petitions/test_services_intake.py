"""register_case: numbering, deadlines, links, grants, idempotency, and every bad input of
issue 3 refused with its Chinese message and nothing written."""
import re
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone
from guardian.shortcuts import get_perms

from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import AuditLog
from petitions.models import Case, CaseCounter, CaseEvent, CaseUserObjectPermission, Channel
from petitions.selectors import case_visible_qs
from petitions.services import events
from petitions.services.intake import QUERY_CODE_ALPHABET, case_number_take
from petitions.lib.text import search_text
from petitions.workflow import Status
from tests.factories import make_user
from tests.petitions.intake_factories import (
    counts, d, dicts, id_number, letter_data, org, person, register, stored_files, visit_data,
)

__all__ = ["dicts"]
pytestmark = pytest.mark.usefixtures("dicts")

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def pdf(name="scan.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_register_visit_writes_case_petitioner_and_first_event(clerk):
    case = register(clerk)
    assert re.fullmatch(r"53390001-\d{4}-000001", case.number)
    assert case.status == Status.PENDING
    assert case.registered_org == clerk.organization and case.holder_org == clerk.organization
    assert case.registered_path == clerk.organization.path
    assert len(case.query_code) == 10 and set(case.query_code) <= set(QUERY_CODE_ALPHABET)
    today = timezone.localdate(case.registered_at)
    assert case.acceptance_due == case.current_due == today + timedelta(days=15)
    assert case.petition_date == today
    assert case.search_tokens == search_text(case.content, case.summary, case.responsible_unit)
    assert case.summary and case.content.startswith(case.summary)
    assert not case.replayed
    (p,) = case.petitioners.all()
    assert (p.name, p.sex, p.id_number, p.is_representative) == ("李建华", "M", id_number(), False)
    assert p.age == (today.year - 1978 - ((today.month, today.day) < (5, 12)))
    (event,) = CaseEvent.objects.filter(case=case)
    assert (event.action, event.from_status, event.to_status, event.actor, event.deadline) == (
        "register", "", Status.PENDING, clerk, case.acceptance_due)
    assert event.audit.action == "case.register"
    assert id_number() not in event.audit.summary + str(event.audit.data)  # no PII in the audit row


def test_numbers_are_consecutive_per_org_and_year(clerk, county_clerk):
    first, second = register(clerk), register(clerk)
    county = register(county_clerk)
    assert (first.seq, second.seq, county.seq) == (1, 2, 1)
    assert county.number.startswith("53392201-")
    assert CaseCounter.objects.get(org=clerk.organization, year=first.year).last_seq == 2


def test_number_year_follows_the_registration_date_in_shanghai(clerk):
    # 2025-12-31 17:00 UTC is already 2026-01-01 in Asia/Shanghai.
    case = register(clerk, registered_at=datetime(2025, 12, 31, 17, 0, tzinfo=dt_timezone.utc),
                    data=visit_data(petition_date=date(2026, 1, 1)))
    assert case.year == 2026 and case.number == "53390001-2026-000001"
    assert case.acceptance_due == date(2026, 1, 16)


def test_failed_registration_gives_its_number_back(clerk):
    register(clerk)
    with mock.patch("petitions.services.intake.case_event_record", side_effect=RuntimeError("boom")):
        with pytest.raises(RuntimeError):
            register(clerk)
    assert register(clerk).seq == 2


def test_counter_row_is_created_on_first_use(clerk):
    assert not CaseCounter.objects.exists()
    assert case_number_take(org=clerk.organization, year=2031) == 1
    assert case_number_take(org=clerk.organization, year=2031) == 2


def test_face_to_face_answer_closes_at_once(clerk):
    case = register(clerk, answer="已当场讲解参保政策，信访人表示满意。")
    assert case.status == Status.CLOSED
    assert case.answer_text == "已当场讲解参保政策，信访人表示满意。"
    assert case.closed_at == case.answered_at == case.registered_at
    assert case.current_due is None
    assert list(case.events.values_list("action", "from_status", "to_status")) == [
        ("register", "", Status.PENDING), ("answer_face_to_face", Status.PENDING, Status.CLOSED)]


def test_collective_visit_marks_representatives(clerk):
    reps = [person("王德顺", region="533922", born=date(1962, 3, 8), seq=21, phone="13800000001"),
            person("赵秀英", region="533922", born=date(1968, 11, 23), seq=42, phone="13800000002"),
            person("陈永福", region="533922", born=date(1959, 7, 1), seq=17, phone="13800000003")]
    case = register(clerk, data=visit_data(visit_nature=d("visit_nature", "2"), visitor_count=23,
                                           abnormal_behaviors=[d("abnormal", "04")]), petitioners=reps)
    assert case.is_collective
    assert list(case.petitioners.values_list("name", "is_representative", "position")) == [
        ("王德顺", True, 1), ("赵秀英", True, 2), ("陈永福", True, 3)]
    assert list(case.abnormal_behaviors.values_list("code", flat=True)) == ["04"]


def test_anonymous_letter_needs_no_identity(clerk):
    case = register(clerk, channel=Channel.FAX, data=letter_data(letter_nature=d("letter_nature", "3")),
                    petitioners=[])
    assert case.is_anonymous and case.petitioners.count() == 0


def test_joint_letter_is_collective(clerk):
    case = register(clerk, channel=Channel.LETTER, data=letter_data(letter_nature=d("letter_nature", "2"),
                                                                      signer_count=15))
    assert case.is_collective and not case.is_anonymous


def test_repeat_links_to_a_visible_first_case(clerk):
    first = register(clerk)
    again = register(clerk, data=visit_data(is_repeat=True, first_case=first))
    assert again.is_repeat and again.first_case == first
    assert again.events.get().data["first_case"] == first.number


def test_repeat_of_an_invisible_case_is_refused(clerk, county_clerk):
    other_county = make_user("yx_clerk", org_code="53392301", roles=["clerk"])
    hidden = register(other_county)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        register(county_clerk, data=visit_data(first_case=hidden))
    assert exc.value.message_dict["first_case"] == ["初访编号不存在，或您无权查看该信访件。"]
    assert counts() == before


def test_confidential_case_is_granted_to_the_clerk_and_the_bureau_that_routes_it(clerk, triage, leader,
                                                                                  county_triage):
    case = register(clerk, data=visit_data(purpose=d("purpose", "02"), is_confidential=True,
                                           accused_org=org("533923101")))
    assert case.accused_org == org("533923101")
    assert get_perms(clerk, case) == ["view_case"]
    assert CaseUserObjectPermission.objects.filter(content_object=case, user=clerk).exists()
    assert case_visible_qs(clerk).filter(pk=case.pk).exists()
    # the registering bureau's triage officers and leaders must route it, so they are granted
    assert case_visible_qs(triage).filter(pk=case.pk).exists()
    assert case_visible_qs(leader).filter(pk=case.pk).exists()
    # nobody else: a county bureau inside the prefecture's scope gets nothing by scope alone
    assert not case_visible_qs(county_triage).filter(pk=case.pk).exists()


def test_attachments_are_stored_with_hash_and_linked_to_the_event(clerk):
    case = register(clerk, files=[pdf(), SimpleUploadedFile("note.txt", "情况说明".encode("gb18030"))])
    rows = list(case.attachments.order_by("id"))
    assert [(a.original_name, a.content_type, a.size) for a in rows] == [
        ("scan.pdf", "application/pdf", len(PDF)), ("note.txt", "text/plain", 8)]
    import hashlib

    assert rows[0].sha256 == hashlib.sha256(PDF).hexdigest()
    assert rows[0].event == case.events.get(action="register")
    assert len(stored_files()) >= 2


# --- idempotency ----------------------------------------------------------------------------------

def test_same_token_twice_gives_one_case(clerk):
    first = register(clerk, token="form-1", files=[pdf()])
    before = counts()
    again = register(clerk, token="form-1", files=[pdf()])
    assert again.pk == first.pk and again.replayed
    assert counts() == before


def test_token_of_another_user_is_refused(clerk, triage):
    register(clerk, token="form-2")
    with pytest.raises(ValidationError):
        register(triage, token="form-2")
    assert Case.objects.count() == 1


def test_simultaneous_double_post_returns_the_winner(clerk):
    """The unique index decides a race: the loser's insert fails and it returns the winner."""
    winner = register(clerk, token="form-3")
    with mock.patch("petitions.services.intake.Case.objects.filter") as lookup:
        # First lookup (before the insert) misses, as it would while the winner is uncommitted.
        lookup.return_value.first.side_effect = [None, winner]
        lookup.return_value.exists.return_value = False
        before_files = len(stored_files())
        result = register(clerk, token="form-3", files=[pdf()])
    assert result == winner and result.replayed
    assert Case.objects.count() == 1
    assert len(stored_files()) == before_files  # the loser's staged file was removed


def test_integrity_error_without_a_token_winner_is_not_swallowed(clerk):
    with mock.patch("petitions.services.intake.Petitioner.objects.bulk_create",
                    side_effect=IntegrityError("other")):
        with pytest.raises(IntegrityError):
            register(clerk)
    assert Case.objects.count() == 0


# --- permission -----------------------------------------------------------------------------------

def test_user_without_register_permission_is_refused(township_handler, sysadmin):
    for user in (township_handler, sysadmin):
        with pytest.raises(NotAllowed):
            register(user)
    assert Case.objects.count() == 0


# --- bad input: message next to the field, nothing written -----------------------------------------

BAD_INPUTS = [
    ("wrong length", {"petitioners": [person(id_number="1101051949123100")]},
     "petitioners.0.id_number", "身份证号应为18位。"),
    ("bad date", {"petitioners": [person(id_number="110101199002301236")]},
     "petitioners.0.id_number", "身份证号中的出生日期不是有效日期。"),
    ("bad check digit", {"petitioners": [person(id_number="110105194912310021")]},
     "petitioners.0.id_number", "身份证号校验位不正确，请核对。"),
    ("sex contradicts id", {"petitioners": [person(sex="F")]},
     "petitioners.0.sex", "性别与身份证号不符：按身份证号应为男。"),
    ("empty problem text", {"data": {"content": "  "}}, "content", "反映问题及诉求不能为空。"),
    ("no petitioner", {"petitioners": []}, "petitioners", "请至少填写一名信访人（匿名信除外）。"),
    ("no name", {"petitioners": [person(name="")]}, "petitioners.0.name", "请填写信访人姓名。"),
    ("repeat without number", {"data": {"is_repeat": True}}, "first_case", "请填写初访编号，或取消“是否重访”。"),
    ("future date", {"data": {"petition_date": date(2099, 1, 1)}}, "petition_date", "信访日期不能晚于今天。"),
]


@pytest.mark.parametrize("label,change,key,message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_refused_with_its_message(clerk, label, change, key, message):
    before = counts()
    kwargs = {"petitioners": change.get("petitioners", [person()]), "data": visit_data(**change.get("data", {}))}
    with pytest.raises(ValidationError) as exc:
        register(clerk, files=[pdf()], **kwargs)
    assert exc.value.message_dict[key] == [message]
    assert counts() == before


def _reps(n):
    return [person(f"代表{i}", seq=2 * i + 1, phone=f"1380000{i:04d}") for i in range(n)]


def test_headcount_below_representatives(clerk):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        register(clerk, data=visit_data(visit_nature=d("visit_nature", "2"), visitor_count=2), petitioners=_reps(3),
                 files=[pdf()])
    assert exc.value.message_dict["visitor_count"] == ["来访人数（2人）不能少于代表人数（3人）。"]
    assert counts() == before


def test_more_than_five_representatives(clerk):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        register(clerk, data=visit_data(visit_nature=d("visit_nature", "2"), visitor_count=50), petitioners=_reps(6))
    assert exc.value.message_dict["petitioners"] == ["集体访推选的代表不得超过5人（《信访工作条例》第二十条）。"]
    assert counts() == before


def test_five_representatives_are_fine(clerk):
    case = register(clerk, data=visit_data(visit_nature=d("visit_nature", "2"), visitor_count=5),
                    petitioners=_reps(5))
    assert case.petitioners.filter(is_representative=True).count() == 5


def test_fake_pdf_is_refused_and_nothing_saved(clerk):
    before = counts()
    fake = SimpleUploadedFile("judgement.pdf", b"MZ\x90\x00 this is an exe", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        register(clerk, files=[pdf("ok.pdf"), fake])
    assert "judgement.pdf" in exc.value.message_dict["files"][0]
    assert "内容与扩展名 .pdf 不符" in exc.value.message_dict["files"][0]
    assert counts() == before


def test_oversize_file_is_refused_and_nothing_saved(clerk, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    before = counts()
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 2000, content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        register(clerk, files=[big])
    assert exc.value.message_dict["files"] == ["“big.pdf”超过单个附件大小上限 1.0\xa0KB。"]
    assert counts() == before


def test_failure_after_files_were_moved_leaves_no_orphan(clerk):
    before = counts()
    real = events.case_event_record

    def fail_on_answer(**kwargs):
        if kwargs["action"] == "answer_face_to_face":  # after the files were moved into place
            raise RuntimeError("disk full")
        return real(**kwargs)

    with mock.patch("petitions.services.intake.case_event_record", side_effect=fail_on_answer):
        with pytest.raises(RuntimeError):
            register(clerk, files=[pdf(), pdf("b.pdf")], answer="答复")
    assert counts() == before
    assert AuditLog.objects.filter(action="case.register").count() == 0


def test_the_responsible_unit_comes_from_the_tree_or_the_outside_list(clerk):
    from accounts.models import OrgUnit
    from petitions.models import DictEntry

    unit = OrgUnit.objects.get(code="53390004")  # 州自然资源局
    case = register(clerk, data=visit_data(responsible_org=unit))
    assert case.responsible_org == unit and case.responsible_unit == unit.name
    company = DictEntry.objects.get(kind="outside_unit", code="01")
    case = register(clerk, data=visit_data(responsible_outside=company))
    assert case.responsible_outside == company and case.responsible_unit == company.name
    before = counts()
    with pytest.raises(ServiceError) as exc:
        register(clerk, data=visit_data(responsible_org=unit, responsible_outside=company))
    assert "只能选一个" in exc.value.message_dict["responsible_outside"][0]
    assert counts() == before
