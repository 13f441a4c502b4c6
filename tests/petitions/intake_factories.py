"""Registration test helpers: dictionary look-ups, case data, entry-form POST data and a
``register`` shortcut that goes through the real service."""
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import OrgUnit
from petitions.domain.idcard import make_id_number
from petitions.models import Attachment, Case, CaseEvent, Channel, DictEntry, Petitioner
from petitions.seed import seed_dictionaries
from petitions.services.intake import register_case

WAGE_TEXT = ("本人在青峰建安公司承建的东城安置房项目务工，2025年5月至10月工资共计4.6万元至今未发放，"
             "多次找项目经理讨要无果，请求帮助追讨拖欠的工资。")


@pytest.fixture
def dicts(db):
    """The standard dictionaries (also after a transactional test flushed the tables)."""
    seed_dictionaries(DictEntry)


def d(kind, code):
    return DictEntry.objects.get(kind=kind, code=code)


def org(code):
    return OrgUnit.objects.get(code=code)


def id_number(region="533901", born=date(1978, 5, 12), seq=13):
    return make_id_number(region, born, seq)


def person(name="李建华", *, region="533901", born=date(1978, 5, 12), seq=13, phone="13908871234", **extra):
    return {"name": name, "id_number": make_id_number(region, born, seq), "phone": phone,
            "address": "青峰市东城街道幸福路12号", **extra}


def visit_data(**overrides):
    data = {
        "purpose": d("purpose", "04"), "problem": d("problem", "60200601"), "problem_region": org("533901"),
        "content": WAGE_TEXT, "visit_nature": d("visit_nature", "1"), "visitor_count": 1,
        "visit_level": d("visit_level", "3"),
    }
    data.update(overrides)
    return data


def letter_data(**overrides):
    data = {
        "purpose": d("purpose", "04"), "problem": d("problem", "60201103"), "problem_region": org("533923"),
        "content": "城南工业园石材加工厂夜间作业，噪音和粉尘严重影响周边居民休息，请求依法查处。",
        "letter_nature": d("letter_nature", "1"), "signer_count": 1, "registration_source": d("reg_source", "1"),
    }
    data.update(overrides)
    return data


def register(actor, *, channel=Channel.VISIT, data=None, petitioners=None, token=None, files=(), answer=None,
             **kwargs):
    """Register through the real service; defaults to an individual visit by 李建华."""
    return register_case(
        actor=actor, channel=channel, data=visit_data() if data is None else data,
        petitioners=[person()] if petitioners is None else petitioners, files=files,
        submit_token=token or uuid.uuid4().hex, answer_face_to_face=answer, **kwargs)


def stored_files():
    root = Path(settings.PRIVATE_STORAGE_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def counts():
    """Row and file counts that a failed registration must leave unchanged."""
    return {"cases": Case.objects.count(), "petitioners": Petitioner.objects.count(),
            "attachments": Attachment.objects.count(), "events": CaseEvent.objects.count(),
            "files": len(stored_files())}


def today_iso():
    return timezone.localdate().isoformat()


def person_post(index, values):
    return {f"petitioners-{index}-{key}": value for key, value in values.items()}


EMPTY_PERSON = {"name": "", "sex": "", "age": "", "ethnicity": "", "id_type": "resident_id", "id_number": "",
                "education": "", "political": "", "address": "", "workplace": "", "phone": ""}


def persons_post(people, total=5):
    """The person blocks as the browser posts them: typed blocks first, the rest empty."""
    data = {"petitioners-TOTAL_FORMS": str(max(total, len(people))), "petitioners-INITIAL_FORMS": "0",
            "petitioners-MIN_NUM_FORMS": "0", "petitioners-MAX_NUM_FORMS": "5"}
    for i in range(max(total, len(people))):
        values = dict(EMPTY_PERSON)
        if i < len(people):
            values.update(people[i])
        data.update(person_post(i, values))
    return data


def visit_post(people=None, **overrides):
    """A complete 来访登记 POST (individual visit by 李建华 unless overridden)."""
    if people is None:
        people = [{"name": "李建华", "id_number": id_number(), "phone": "13908871234"}]
    data = {
        "submit_token": uuid.uuid4().hex, "petition_date": today_iso(), "visit_nature": str(d("visit_nature", "1").pk),
        "visitor_count": "1", "visit_level": str(d("visit_level", "3").pk), "purpose": str(d("purpose", "04").pk),
        "content": WAGE_TEXT, "summary": "", "problem": str(d("problem", "60200601").pk),
        "problem_region": str(org("533901").pk), "responsible_unit": "青峰建安公司", "responsible_person": "",
        "first_case": "", "accused_org": "", "answer_text": "", "action": "save",
    }
    data.update(persons_post(people))
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def letter_post(people=None, **overrides):
    if people is None:
        people = [{"name": "张晓燕", "id_number": make_id_number("533923", date(1990, 9, 17), 26)}]
    data = {
        "submit_token": uuid.uuid4().hex, "channel": "letter", "petition_date": today_iso(), "received_at": "",
        "letter_nature": str(d("letter_nature", "1").pk), "signer_count": "1",
        "attachment_kind": str(d("attachment_kind", "0").pk), "registration_source": str(d("reg_source", "1").pk),
        "purpose": str(d("purpose", "04").pk), "content": letter_data()["content"], "summary": "",
        "problem": str(d("problem", "60201103").pk), "problem_region": str(org("533923").pk),
        "responsible_unit": "", "responsible_person": "", "first_case": "", "accused_org": "", "answer_text": "",
        "action": "save",
    }
    data.update(persons_post(people))
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
