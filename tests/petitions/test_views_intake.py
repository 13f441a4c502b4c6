"""The three entry forms in the browser's terms: labels, keyboard order, POST outcomes, every
bad input of issue 3 shown next to its field with nothing saved, and the double post."""
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from petitions.domain.idcard import make_id_number
from petitions.models import Case, Channel
from petitions.workflow import Status
from tests.petitions.intake_factories import (
    counts, d, dicts, id_number, letter_post, persons_post, stored_files, visit_post,
)

__all__ = ["dicts"]
pytestmark = pytest.mark.usefixtures("dicts")

PDF = b"%PDF-1.4\n%%EOF\n"
PERSON_LABELS = ["姓名", "性别", "年龄", "民族", "身份证号", "文化程度", "政治面貌", "地址", "单位", "联系电话"]
COMMON_LABELS = ["信访目的", "反映问题及诉求", "所属问题", "问题属地", "责任单位", "责任人", "是否重访", "初访编号",
                 "上传附件"]
FORM_LABELS = {
    "petitions:register_visit": ["来访性质", "来访人数", "异常行为", "上访层次", "越级访", "答复意见"],
    "petitions:register_letter": ["信访形式", "来信人数", "来信性质", "收信时间", "附件", "登记来源", "答复意见"],
    "petitions:register_referral": ["上级交办号", "交办人", "交办人职务", "交办单位", "来信人数", "来信性质",
                                    "收信时间", "附件", "登记来源", "上访层次", "越级访"],
}


def labels(page):
    return set(re.findall(r"<label[^>]*>(?:<input[^>]*>)?\s*([^<]+?)\s*</label>", page)) | set(
        re.findall(r"<legend>([^<]+)</legend>", page))


def post(client, url_name, data, files=None):
    data = dict(data)
    if files:
        data["files"] = files
    return client.post(reverse(url_name), data)


@pytest.mark.parametrize("url_name", list(FORM_LABELS))
def test_form_has_every_label_and_keyboard_affordances(client, clerk, url_name):
    client.force_login(clerk)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    page = response.content.decode()
    assert set(PERSON_LABELS + COMMON_LABELS + FORM_LABELS[url_name]) <= labels(page)
    assert page.count("autofocus") == 1
    for i in range(5):
        assert f'id="id_petitioners-{i}-id_number"' in page
    assert 'name="petitioners-TOTAL_FORMS"' in page
    assert 'name="action" value="save"' in page and "保存（进入分流池）" in page
    # A visitor at the window is answered face to face, a caller on the spot; a letter and a
    # superior's referral never are.
    assert ('name="action" value="answer"' in page) == (url_name != "petitions:register_referral")
    if url_name == "petitions:register_visit":
        assert "当面答复并办结" in page
    if url_name == "petitions:register_letter":
        assert "来电当场答复并办结" in page and "当面答复并办结" not in page
    assert "<script>" not in page and "js/idcard.js" in page and "js/intake.js" in page
    assert 'enctype="multipart/form-data"' in page
    assert "劳动社保 / 拖欠工资" in page  # problem tree shown as 一级 / 二级
    assert re.search(r'name="submit_token" value="[0-9a-f]{32}"', page)


def test_forms_are_for_clerks_only(client, township_handler):
    client.force_login(township_handler)
    for name in FORM_LABELS:
        assert client.get(reverse(name)).status_code == 403


def test_visit_is_saved_into_the_pool(client, clerk):
    client.force_login(clerk)
    response = post(client, "petitions:register_visit", visit_post(),
                    files=[SimpleUploadedFile("scan.pdf", PDF)])
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.channel == Channel.VISIT and case.status == Status.PENDING
    assert case.attachments.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert f"已登记并进入分流池：信访件编号 {case.number}，查询码 {case.query_code}。" in page


def test_collective_visit_with_three_representatives(client, clerk):
    reps = [{"name": n, "id_number": make_id_number("533922", date(1960 + i, 1, 1), 2 * i + 1)}
            for i, n in enumerate(["王德顺", "陈永福", "李大山"])]
    client.force_login(clerk)
    response = post(client, "petitions:register_visit", visit_post(
        reps, visit_nature=str(d("visit_nature", "2").pk), visitor_count="23",
        abnormal_behaviors=[str(d("abnormal", "04").pk)]))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.is_collective and case.visitor_count == 23
    assert list(case.petitioners.values_list("name", "is_representative", "sex")) == [
        ("王德顺", True, "M"), ("陈永福", True, "M"), ("李大山", True, "M")]


def test_face_to_face_answer_closes(client, clerk):
    client.force_login(clerk)
    response = post(client, "petitions:register_visit", visit_post(action="answer", answer_text="已当场答复。"))
    assert response.status_code == 302
    assert Case.objects.get().status == Status.CLOSED


def test_letter_by_phone_and_anonymous_fax(client, clerk):
    client.force_login(clerk)
    assert post(client, "petitions:register_letter", letter_post(channel="phone")).status_code == 302
    anonymous = letter_post([], channel="fax", letter_nature=str(d("letter_nature", "3").pk))
    assert post(client, "petitions:register_letter", anonymous).status_code == 302
    assert sorted(Case.objects.values_list("channel", "is_anonymous")) == [("fax", True), ("phone", False)]


def test_referral_is_saved_with_the_superior_reference(client, clerk):
    client.force_login(clerk)
    data = letter_post(referral_number="省信交〔2026〕118号", referrer_name="马文斌", referrer_title="处长",
                       referrer_org="省信访局", channel=None)
    assert post(client, "petitions:register_referral", data).status_code == 302
    case = Case.objects.get()
    assert (case.channel, case.referral_number, case.referrer_org) == ("referral", "省信交〔2026〕118号", "省信访局")


def test_double_post_creates_one_case(client, clerk):
    client.force_login(clerk)
    data = visit_post()
    first = post(client, "petitions:register_visit", data)
    second = post(client, "petitions:register_visit", data)
    case = Case.objects.get()
    assert first["Location"] == second["Location"] == case.get_absolute_url()
    assert "该登记已保存过（重复提交），未重复登记" in client.get(second["Location"]).content.decode()


# --- bad input ---------------------------------------------------------------------------------------

def bad_person(**values):
    return [{"name": "李建华", "id_number": id_number(), **values}]


BAD = [
    ("id wrong length", "petitions:register_visit", lambda: visit_post(bad_person(id_number="11010519491231")),
     "身份证号应为18位。", "id_petitioners-0-id_number"),
    ("id bad date", "petitions:register_visit", lambda: visit_post(bad_person(id_number="110101199002301236")),
     "身份证号中的出生日期不是有效日期。", "id_petitioners-0-id_number"),
    ("id bad check digit", "petitions:register_visit",
     lambda: visit_post(bad_person(id_number="110105194912310021")), "身份证号校验位不正确，请核对。",
     "id_petitioners-0-id_number"),
    ("sex contradicts id", "petitions:register_visit", lambda: visit_post(bad_person(sex="F")),
     "性别与身份证号不符：按身份证号应为男。", "id_petitioners-0-sex"),
    ("age contradicts id", "petitions:register_visit", lambda: visit_post(bad_person(age="20")),
     "年龄与身份证号不符", "id_petitioners-0-age"),
    ("headcount below representatives", "petitions:register_visit", lambda: visit_post(
        [{"name": f"代表{i}"} for i in range(3)], visit_nature=str(d("visit_nature", "2").pk), visitor_count="2"),
     "来访人数（2人）不能少于代表人数（3人）。", "id_visitor_count"),
    ("more than five representatives", "petitions:register_visit", lambda: visit_post(
        [{"name": f"代表{i}"} for i in range(6)], visit_nature=str(d("visit_nature", "2").pk), visitor_count="60"),
     "集体访推选的代表不得超过5人", "persons"),
    ("empty problem text", "petitions:register_visit", lambda: visit_post(content="   "),
     "反映问题及诉求不能为空。", "id_content"),
    ("no petitioner on a signed letter", "petitions:register_letter", lambda: letter_post([]),
     "请至少填写一名信访人（匿名信除外）。", "id_petitioners-0-name"),
    ("face-to-face without answer", "petitions:register_visit", lambda: visit_post(action="answer"),
     "当面答复须填写答复意见。", "id_answer_text"),
    ("referral without reference", "petitions:register_referral",
     lambda: letter_post(channel=None, referral_number="", referrer_org="省信访局"), "这个字段是必填项。",
     "id_referral_number"),
]


@pytest.mark.parametrize("label,url_name,make,message,near", BAD, ids=[b[0] for b in BAD])
def test_bad_input_shows_message_next_to_the_field_and_saves_nothing(client, clerk, label, url_name, make, message,
                                                                      near):
    client.force_login(clerk)
    before = counts()
    response = post(client, url_name, make(), files=[SimpleUploadedFile("scan.pdf", PDF)])
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    # The message follows the field it is about (same field wrapper / fieldset).
    anchor = page.index(f'id="{near}"')
    assert page.index(message, anchor) - anchor < 2500
    assert counts() == before


def test_fake_pdf_upload_is_refused_on_the_form(client, clerk):
    client.force_login(clerk)
    before = counts()
    response = post(client, "petitions:register_visit", visit_post(),
                    files=[SimpleUploadedFile("判决书.pdf", b"MZ\x90\x00fake")])
    page = response.content.decode()
    assert "“判决书.pdf”的内容与扩展名 .pdf 不符" in page
    assert page.index("判决书.pdf”的内容") > page.index('id="id_files"')
    assert counts() == before


def test_oversize_upload_is_refused_on_the_form(client, clerk, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    client.force_login(clerk)
    before = counts()
    response = post(client, "petitions:register_visit", visit_post(),
                    files=[SimpleUploadedFile("scan.pdf", PDF)])
    assert "“scan.pdf”超过单个附件大小上限" in response.content.decode()
    assert counts() == before


def test_token_stays_the_same_when_the_form_is_shown_again(client, clerk):
    client.force_login(clerk)
    data = visit_post(content="")
    page = post(client, "petitions:register_visit", data).content.decode()
    assert f'name="submit_token" value="{data["submit_token"]}"' in page
    # the typed values are kept, so the clerk only fixes the field in error
    assert 'value="李建华"' in page


def test_a_letter_cannot_be_answered_face_to_face_even_by_a_crafted_post(clerk):
    from petitions.exceptions import ServiceError
    from tests.petitions.intake_factories import letter_data, register

    with pytest.raises(ServiceError) as exc:
        register(clerk, channel="letter", data=letter_data(), answer="已答复")
    assert "只有来访和来电可以当场答复" in exc.value.message_dict["answer_text"][0]


def test_the_visit_form_proposes_skip_level_from_level_and_territory(client, clerk):
    import json

    client.force_login(clerk)
    page = client.get(reverse("petitions:register_visit")).content.decode()
    data = json.loads(re.search(r'<script id="skip-level-data" type="application/json">(.*?)</script>', page).group(1))
    assert 'name="is_skip_level"' in page and "越级访" in page
    assert sorted(set(data["levels"].values())) == [1, 2, 3, 4, 5]
    assert {1, 2, 3} <= set(v for v in data["regions"].values() if v)
