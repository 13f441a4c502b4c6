"""态势研判 in the browser, on generated data with a planted spike and a planted cluster: the leader's
home page opens on the situation of his prefecture (charts drawn by the vendored ECharts, no CSP
violation), a figure opens the cases behind it, the hot spot and the warning the hourly scan raised
are there, he acknowledges the warning and takes personal charge (领导包案) of an overdue matter; the
wall display; the statistician's, triage officer's and handler's cockpits.

Screenshots (XF_SHOTS_DIR): cockpit-1-leader-home, -2-leader-cockpit, -3-list, -4-hotspots, -5-warning,
-6-charge, -7-wall, -8-statistician, -9-triage, -10-handler."""
import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from cockpit.models import LeaderCharge, Warning, WarningKind
from cockpit.services.warnings import warnings_scan

from tests.cockpit.conftest import letter

from .pages import CaseDetailPage, CockpitListPage, CockpitPage, LoginPage, WarningPage, expect, shot

pytestmark = pytest.mark.browser

CLUSTER = ["反映青山湖二期安置房墙体开裂，要求开发商维修。", "青山湖二期安置房至今未办理房产证，请求协调解决。",
           "本人购买的青山湖二期安置房漏水严重，多次报修无果。", "对青山湖二期安置房分配结果有异议，请求复核。",
           "反映青山湖二期安置房配套学校迟迟未建。", "青山湖二期安置房物业收费过高，请求规范。"]


@pytest.fixture
def situation(demo_users):
    """A year of generated cases ending today, a planted spike (9 letters about one quarry in 石门县)
    and a planted cluster (6 matters naming 青山湖二期安置房), then the hourly scan."""
    from bench.generator import generate

    generate(count=1500, seed=5, years=1, end_date=timezone.localdate(), stream=None)
    county_clerk, clerk = User.objects.get(username="county_clerk"), User.objects.get(username="clerk")
    for i in range(9):
        letter(county_clerk, f"反映石门县某采石场爆破作业震裂房屋，第{i}户受损，请求赔偿。", problem="60201103")
    for i, text in enumerate(CLUSTER):
        letter((clerk, county_clerk)[i % 2], text, name=f"信访人{i}")
    warnings_scan()
    yield
    call_command("flush", interactive=False, verbosity=0)


def _watch_console(page):
    """Script errors and CSP refusals (the browser's own request for /favicon.ico may 404)."""
    problems = []
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_leader_reads_the_situation_acts_on_a_warning_and_takes_charge(new_page, situation):
    page = new_page()
    problems = _watch_console(page)
    LoginPage(page).open().login("leader")
    home = CockpitPage(page).wait_for_charts()
    expect(page.locator("#home-cockpit h2").first).to_contain_text("青峰州信访态势")
    week = int(home.tile_value("week"))
    assert week > 0
    expect(home.hotspot_rows().first).to_contain_text("石门县")
    shot(page, "cockpit-1-leader-home")

    # A figure opens the cases behind it.
    listing = home.open_tile("week")
    assert listing.heading() == "清单" and listing.filters()[0].startswith("登记日期")
    assert len(listing.numbers()) == min(20, week)
    shot(page, "cockpit-3-list")

    cockpit = CockpitPage(page).open().wait_for_charts()
    for chart in ("weekly", "daily", "channel", "problem", "area", "visits", "units"):
        expect(cockpit.chart(chart).locator("canvas").first).to_be_visible()
    link = cockpit.chart_table_link("area", "石门县")
    link.click()
    page.wait_for_load_state()
    assert "区域" in " ".join(CockpitListPage(page).filters())
    cockpit = CockpitPage(page).open().wait_for_charts()
    shot(page, "cockpit-2-leader-cockpit")

    # Hot spots and the planted cluster.
    page.get_by_role("link", name="热点与聚集").first.click()
    page.wait_for_load_state()
    expect(page.locator("#hotspot-table tbody tr").first).to_contain_text("石门县")
    cluster = page.locator("#cluster-table tbody a", has_text="青山湖二期安置房").first
    expect(cluster).to_be_visible()
    shot(page, "cockpit-4-hotspots")
    cluster.click()
    page.wait_for_load_state()
    assert len(CockpitListPage(page).numbers()) == 6

    # The warning of the hot spot: acknowledged with what is being done.
    warning = Warning.objects.filter(kind=WarningKind.HOTSPOT, area__name="石门县").get()
    page.goto(f"/cockpit/warnings/{warning.pk}/")
    WarningPage(page).acknowledge("已请石门县政府牵头核查采石场爆破影响，三日内报结果。")
    assert "已签收预警。" in WarningPage(page).messages()
    assert WarningPage(page).acknowledged().startswith("陈志强")
    shot(page, "cockpit-5-warning")

    # 积案: the leader takes personal charge of the longest overdue matter.
    page.goto("/cockpit/backlog/")
    row = page.locator("#backlog-overdue tbody tr").first
    number = row.locator("td a").first.inner_text().strip()
    row.get_by_role("link", name="领导包案").click()
    page.wait_for_load_state()
    page.fill("#id_note", "一个月内化解，结果报我。")
    page.locator("#charge-form button.btn-primary").click()
    page.wait_for_load_state()
    detail = CaseDetailPage(page)
    assert f"已确定包案领导：{number}" in detail.messages()
    expect(page.locator("#case-leader-charge")).to_contain_text("陈志强")
    expect(page.locator("#case-leader-charge")).to_contain_text("一个月内化解")
    assert LeaderCharge.objects.filter(case__number=number, ended_at=None).exists()
    shot(page, "cockpit-6-charge")

    # The wall display.
    page.goto("/cockpit/wall/")
    CockpitPage(page).wait_for_charts()
    assert page.locator("body").get_attribute("class") == "wall"
    assert page.locator("#wall").get_attribute("data-refresh") == "120"
    expect(page.locator("nav.sidenav")).to_be_hidden()
    expect(page.locator("#wall-fullscreen")).to_be_visible()
    assert int(CockpitPage(page).tile_value("charges")) == 1
    shot(page, "cockpit-7-wall")
    assert not problems, problems


@pytest.mark.parametrize("username,section,tile", [
    ("statistician", "#cockpit-situation", "week"),
    ("triage", "#cockpit-intake", "pool"),
    ("township_handler", "#cockpit-deadlines", "due-overdue"),
])
def test_each_role_opens_on_its_cockpit(new_page, situation, username, section, tile):
    page = new_page()
    problems = _watch_console(page)
    LoginPage(page).open().login(username)
    home = CockpitPage(page).wait_for_charts()
    expect(page.locator(section)).to_be_visible()
    expect(home.tile(tile)).to_be_visible()
    shot(page, {"statistician": "cockpit-8-statistician", "triage": "cockpit-9-triage",
                "township_handler": "cockpit-10-handler"}[username])
    listing = home.open_tile(tile)
    assert listing.path_now.startswith(("/cockpit/cases/", "/cases/"))
    assert not problems, problems
