"""来访登记 with the keyboard alone: the demo clerk registers a collective visit (集体访) of three
representatives, sees the ID check and the earlier case of the first representative offered
while typing, links it as a repeat (标记为重访), saves, and finds the new case in the 分流池."""
import re
import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import OrgUnit, User
from petitions.domain.idcard import make_id_number
from petitions.models import Case, Channel, DictEntry, DictKind
from petitions.services.intake import register_case
from petitions.workflow import Status

from .pages import LoginPage, PoolPage, RegisterVisitPage, expect, shot

pytestmark = pytest.mark.browser

EARLIER_ID = make_id_number("533922", date(1968, 4, 9), 35)  # 石门县, male
SECOND_ID = make_id_number("533922", date(1975, 11, 30), 42)  # female
THIRD_ID = make_id_number("533922", date(1981, 2, 17), 57)  # male
CONTENT = "石门镇龙潭村三十余户村民反映，村集体土地征收补偿款至今未按协议足额发放，请求核实并督促镇政府兑现。"
EARLIER_CONTENT = "龙潭村村民反映，村集体土地征收补偿款至今未按协议足额发放，请求督促镇政府兑现。"


def age_on(born, today):
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def wrong_check_digit(number):
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.fixture
def earlier_case(demo_users):
    """The first visit of 王德发 (same ID number), registered half a year ago by the clerk."""
    entry = lambda kind, code: DictEntry.objects.get(kind=kind, code=code)  # noqa: E731
    return register_case(
        actor=User.objects.get(username="clerk"), channel=Channel.VISIT,
        data={"purpose": entry(DictKind.PURPOSE, "04"), "problem": entry(DictKind.PROBLEM, "602004"),
              "problem_region": OrgUnit.objects.get(code="533922"), "visit_nature": entry(DictKind.VISIT_NATURE, "1"),
              "visitor_count": 1, "visit_level": entry(DictKind.VISIT_LEVEL, "3"),
              "content": EARLIER_CONTENT},
        petitioners=[{"name": "王德发", "id_number": EARLIER_ID, "phone": "13887650001"}],
        submit_token=uuid.uuid4().hex, registered_at=timezone.now() - timedelta(days=180),
    )


def test_clerk_registers_a_collective_visit_with_the_keyboard_and_links_the_earlier_case(page, earlier_case):
    today = timezone.localdate()
    LoginPage(page).open().login("clerk")
    form = RegisterVisitPage(page).open()
    assert form.heading() == "来访登记"

    # The first field has the focus on arrival (autofocus); 信访日期 is today already.
    form.expect_focus("#id_petition_date")
    assert form.field_value("#id_petition_date") == today.isoformat()
    form.tab("#id_visit_nature").choose("2 集体访")
    form.tab("#id_visitor_count").replace("32")
    form.tab("#id_visit_level")  # 到州, preset from the clerk's level
    assert page.locator("#id_visit_level option:checked").inner_text() == "3 到州"
    form.tab("#id_is_skip_level")  # 越级访: proposed from the level and the matter's area, confirmed by the clerk
    assert not page.locator("#id_is_skip_level").is_checked()  # the area is still the prefecture's own

    # Representative 1: the person of the earlier case. The ID check and the panel answer as he types.
    form.tab("#id_petitioners-0-name")
    form.fill_person(0, name="王德发", id_number=EARLIER_ID, phone="13887650001", address="石门县石门镇龙潭村3组")
    expect(form.id_check(0)).to_have_class(re.compile(r"\bok\b"))
    expect(form.id_check(0)).to_have_text(f"✓ 男，{age_on(date(1968, 4, 9), today)}岁，出生日期 1968-04-09")
    assert form.field_value(form.person(0, "sex")) == "M"
    assert form.field_value(form.person(0, "age")) == str(age_on(date(1968, 4, 9), today))
    offered = form.similar_row(earlier_case.number)
    expect(offered).to_contain_text("同一身份证号")
    expect(offered).to_contain_text("待分流")
    shot(page, "registration-1-earlier-case-offered")

    # Representative 2: a wrong check digit is refused next to the field as it is typed, then corrected.
    form.tab_until("button.js-add-person")
    page.keyboard.press("Enter")  # 增加信访人/代表: the next block opens with the focus on its name
    form.expect_focus(form.person(1, "name")).type("李秀英")
    form.tab(form.person(1, "id_type")).tab(form.person(1, "id_number")).type(SECOND_ID[:17])
    expect(form.id_check(1)).to_have_text("")  # nothing said while the number is still incomplete
    form.type(wrong_check_digit(SECOND_ID)[17])
    expect(form.id_check(1)).to_have_text("✗ 身份证号校验位不正确，请核对。")
    expect(form.id_check(1)).to_have_class(re.compile(r"\bbad\b"))
    check_box = form.id_check(1).bounding_box()
    field_box = page.locator(form.person(1, "id_number")).bounding_box()
    assert abs(check_box["x"] - field_box["x"]) < field_box["width"] and check_box["y"] >= field_box["y"]
    shot(page, "registration-2-bad-id-number")
    page.keyboard.press("Backspace")
    form.type(SECOND_ID[17])
    expect(form.id_check(1)).to_have_text(re.compile(r"^✓ 女，\d+岁，出生日期 1975-11-30$"))
    for field in ("sex", "age", "ethnicity", "education", "political", "phone"):
        form.tab(form.person(1, field))
    form.type("13887650002")

    # Representative 3.
    form.tab_until("button.js-add-person")
    page.keyboard.press("Enter")
    form.fill_person(2, name="赵建国", id_number=THIRD_ID, phone="13887650003")
    expect(form.id_check(2)).to_have_class(re.compile(r"\bok\b"))

    # The matter: 信访目的 by its code, the problem tree and the region with the arrows.
    form.tab_until("#id_purpose")
    page.keyboard.type("04")
    assert page.locator("#id_purpose option:checked").inner_text() == "04 求决"
    form.tab("#id_content").type(CONTENT)
    form.tab("#id_summary").tab("#id_problem").choose("纪检监察")
    form.tab("#id_problem_region").choose("石门县")  # organizations are labelled by their names everywhere
    assert page.locator("#id_problem_region option:checked").inner_text() == "石门县"
    # Same region now: the earlier case is also offered for its very similar content.
    expect(offered).to_contain_text(re.compile(r"同一问题属地内容相似（\d+%）"))
    # 责任单位 from the organization tree: its search box, a name typed, Enter back to the list on the unit found.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "select-search"
    page.keyboard.type("石门镇")
    page.keyboard.press("Enter")
    form.expect_focus("#id_responsible_org")
    assert page.locator("#id_responsible_org option:checked").inner_text() == "石门镇"

    # 标记为重访: Tab to the panel's button (past 异常行为 and the case link) and press Enter.
    mark = page.locator(f'#similar-panel button.js-mark-repeat[data-number="{earlier_case.number}"]')
    expect(mark).to_have_text("标记为重访")
    passed = form.tab_until(f'#similar-panel button.js-mark-repeat[data-number="{earlier_case.number}"]')
    assert all(p in ("id_responsible_outside", "id_responsible_person") or p.startswith("id_abnormal_behaviors_")
               or p == "" for p in passed)
    page.keyboard.press("Enter")
    expect(mark).to_have_text("已标记")
    form.expect_focus("#id_first_case")
    assert form.field_value("#id_first_case") == earlier_case.number
    expect(page.locator("#id_is_repeat")).to_be_checked()
    shot(page, "registration-3-marked-as-repeat")

    detail = form.save_by_keyboard()
    message = " ".join(detail.messages())
    assert "已登记并进入分流池" in message
    number = re.search(r"信访件编号 (\S+)，", message).group(1)

    case = Case.objects.get(number=number)
    assert case.status == Status.PENDING and case.channel == Channel.VISIT
    assert case.is_collective and case.is_repeat and case.first_case_id == earlier_case.pk
    assert case.visitor_count == 32 and case.visit_nature.code == "2" and case.problem.code == "602004"
    people = list(case.petitioners.order_by("position"))
    assert [(p.name, p.id_number, p.sex, p.is_representative) for p in people] == [
        ("王德发", EARLIER_ID, "M", True), ("李秀英", SECOND_ID, "F", True), ("赵建国", THIRD_ID, "M", True)]

    # The 分流池 lists it, flagged 重访 and 集体, the first representative's ID masked.
    pool = PoolPage(page).open()
    row = pool.row_of(number)
    expect(row).to_contain_text("重访")
    expect(row).to_contain_text("集体")
    expect(row).to_contain_text("王德发 533922********" + EARLIER_ID[-4:])
    expect(row).to_contain_text("等3人")
    shot(page, "registration-4-pool")

    detail = pool.open_case(number)
    assert detail.status() == "待分流"
    assert detail.value("是否重访") == f"是，初访编号 {earlier_case.number}"
    expect(page.locator("#case-matter").get_by_role("link", name=earlier_case.number)).to_have_attribute(
        "href", earlier_case.get_absolute_url())
    assert detail.value("来访性质") == "集体访" and detail.value("来访人数") == "32"
    assert detail.value("集体访/联名信") == "是"
    expect(detail.petitioner_rows()).to_have_count(3)
    expect(detail.petitioner_rows().filter(has_text="代表")).to_have_count(3)
    shot(page, "registration-5-case-detail")
