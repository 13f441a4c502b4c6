"""The cockpit on generated data (bench generator, ~2,500 cases over the year ending today): the
hot-spot rule finds a planted spike and stays within its documented false-alarm rate without one,
the cluster rule finds a planted cluster and nothing else, the scan is idempotent, and every figure
of every role's cockpit links to a list that opens (docs/cockpit.md)."""
from datetime import timedelta

import pytest
from django.urls import reverse

from cockpit.domain import hotspots as rule
from cockpit.models import Warning, WarningKind
from cockpit.selectors import overview, series
from cockpit.selectors.hotspots import hotspots, window_cells
from cockpit.selectors.scope import jurisdiction_for
from cockpit.services.aggregates import registration_days_refresh
from cockpit.services.warnings import clusters_refresh, warnings_scan
from accounts.models import Reminder
from petitions import clock
from petitions.models import Case
from tests.factories import make_user

from .conftest import letter, user

pytestmark = pytest.mark.django_db

DOCUMENTED_RATE = 0.012  # docs/cockpit.md §2, measured at 100,000 cases
PLANTED_TEXTS = [
    "反映青山湖二期安置房墙体开裂，要求开发商维修。",
    "青山湖二期安置房至今未办理房产证，请求协调解决。",
    "本人购买的青山湖二期安置房漏水严重，多次报修无果。",
    "对青山湖二期安置房分配结果有异议，请求复核。",
    "反映青山湖二期安置房配套学校迟迟未建。",
    "青山湖二期安置房物业收费过高，请求规范。",
]


def test_without_a_plant_few_cells_are_flagged(generated):
    j = jurisdiction_for(user("leader"))
    today = clock.today()
    tested = flagged = 0
    for weeks_back in range(10):
        cells, _wins = window_cells(j, today - timedelta(days=7 * weeks_back))
        for counts in cells.values():
            tested += 1
            flagged += rule.judge(counts[0], counts[1:]).flagged
    assert tested > 500
    # Three times the rate measured on 100,000 cases: a sample this small scatters around it.
    assert flagged <= max(3, 3 * DOCUMENTED_RATE * tested), (flagged, tested)


def test_planted_spike_is_the_top_hot_spot(generated):
    j = jurisdiction_for(user("leader"))
    clerk = user("county_clerk")  # 石门县信访局: counted for the area 石门县
    for i in range(9):
        letter(clerk, f"反映石门县某采石场爆破作业震裂房屋，第{i}户受损，请求赔偿。", problem="60201103")
    cells, _wins = hotspots(j, clock.today())
    top = cells[0]
    assert top.area_label == "石门县"
    assert top.problem_id == Case.objects.filter(content__contains="采石场").first().problem_id
    assert top.count >= 9 and top.verdict.p_value < rule.ALPHA
    assert top.counts[-1] == top.count and len(top.counts) == 9


def test_planted_cluster_is_found_and_nothing_else(generated):
    j = jurisdiction_for(user("leader"))
    today = clock.today()
    assert clusters_refresh(j, today) == []  # the generated week alone: no cluster
    clerks = [user("clerk"), user("county_clerk")]
    planted = [letter(clerks[i % 2], text, problem=["60200601", "60201103", "60200602"][i % 3], name=f"信访人{i}").pk
               for i, text in enumerate(PLANTED_TEXTS)]
    stored = clusters_refresh(j, today)
    assert len(stored) == 1
    cluster = stored[0]
    assert "青山湖二期安置房" in cluster.phrase
    assert set(cluster.cases.values_list("pk", flat=True)) == set(planted)
    assert cluster.count == 6 and cluster.areas == 2
    # The list behind it shows the six cases to the leader.
    from django.test import Client

    client = Client()
    client.force_login(user("leader"))
    response = client.get(reverse("cockpit:cases"), {"cluster": cluster.pk})
    assert response.status_code == 200
    assert all(Case.objects.get(pk=pk).number in response.content.decode() for pk in planted)


def test_scan_raises_each_warning_once_and_tells_the_leaders(generated, django_capture_on_commit_callbacks):
    clerk = user("county_clerk")
    for i in range(9):
        letter(clerk, f"反映石门县某采石场爆破作业震裂房屋，第{i}户受损，请求赔偿。")
    with django_capture_on_commit_callbacks(execute=True):
        first = warnings_scan()
        again = warnings_scan()
    assert first["jurisdictions"] >= 1 and first["warnings"] >= 1
    assert again["warnings"] == 0
    hot = Warning.objects.filter(kind=WarningKind.HOTSPOT, area__name="石门县")
    assert hot.count() == 1
    leader = user("leader")
    assert Reminder.objects.filter(user=leader, topic="cockpit.warning", target=f"warning:{hot.get().pk}").exists()
    assert not Reminder.objects.filter(user=user("township_handler"), topic="cockpit.warning").exists()
    # The KPI snapshots of the last 12 months are there for the trend.
    from cockpit.models import KpiSnapshot

    assert KpiSnapshot.objects.filter(org=jurisdiction_for(leader).org).count() == 12


@pytest.mark.parametrize("username", ["leader", "statistician", "triage", "township_handler"])
def test_every_figure_of_every_cockpit_opens_its_list(generated, client, username):
    client.force_login(user(username))
    for url in (reverse("home"), reverse("cockpit:index")):
        assert client.get(url).status_code == 200
    response = client.get(reverse("cockpit:index"))
    links = set()
    for chart in response.context["charts_json"]:
        for line in chart["series"]:
            links.update(link for link in line["links"] or [] if link)
    situation = response.context.get("situation")
    if situation:
        links.update(t.url for t in situation["tiles"] if t.url.startswith("/"))
        links.update(c.url for c in situation["hotspots"])
    assert links
    for link in sorted(links):
        assert client.get(link).status_code == 200, link


def test_figure_and_its_list_agree(generated, client):
    """近7日登记 counts the jurisdiction; its list shows the same cases but the confidential ones
    the leader holds no grant for."""
    leader = user("leader")
    j = jurisdiction_for(leader)
    today = clock.today()
    s = overview.situation(j, today, full=False)
    tile = next(t for t in s["tiles"] if t.key == "week")
    client.force_login(leader)
    listed = client.get(tile.url).context["count"]
    week = Case.objects.filter(registered_at__date__gte=today - timedelta(days=6))
    hidden = week.filter(is_confidential=True).count()
    assert tile.value - hidden <= listed <= tile.value


def test_daily_series_read_from_the_aggregate_equal_the_cases(generated):
    j = jurisdiction_for(user("leader"))
    today = clock.today()
    start = today - timedelta(days=460)
    live = series.daily_counts(j, start, today)  # nothing built yet: every day counted from the cases
    assert sum(v["n"] for v in live.values()) > 2000
    assert registration_days_refresh(today=today) > 0
    assert series.daily_counts(j, start, today) == live
    letter(user("clerk"), "反映州体育中心建设项目拖欠工程款。")  # today is always counted live
    assert series.daily_counts(j, today, today)[today]["n"] == live[today]["n"] + 1
    county = jurisdiction_for(make_user("county_statistician", org_code="53392201", roles=["statistician"]))
    county_days = series.daily_counts(county, start, today - timedelta(days=1))
    assert 0 < sum(v["n"] for v in county_days.values()) < sum(v["n"] for v in live.values())


def test_breakdowns_and_hot_spots_read_from_the_aggregate_equal_the_cases(generated):
    """``RegistrationDayClass`` (rebuilt with ``RegistrationDay``) gives the breakdowns and the hot-spot
    windows the cases give, for windows inside it, straddling its first day and wholly before it; today
    is counted live; a voided registration counts in neither (docs/performance.md §14)."""
    from cockpit.models import RegistrationDayBuild, RegistrationDayClass
    from cockpit.services.aggregates import CLASS_DAYS_KEPT
    from petitions.workflow import Status

    today = clock.today()
    Case.objects.filter(pk=Case.objects.filter(registered_at__date=today - timedelta(days=3)).first().pk).update(
        status=Status.VOIDED)
    ranges = [(today - timedelta(days=27), today), (today - timedelta(days=90), today),
              (today - timedelta(days=CLASS_DAYS_KEPT + 20), today - timedelta(days=CLASS_DAYS_KEPT - 20)),
              (today - timedelta(days=300), today - timedelta(days=250))]
    shifts = (0, 7, CLASS_DAYS_KEPT - 30, 200)

    def figures():
        j = jurisdiction_for(user("leader"))  # a fresh jurisdiction reads the build again
        return ([series.breakdown(j, a, b) for a, b in ranges],
                [window_cells(j, today - timedelta(days=k)) for k in shifts])

    live = figures()  # nothing built yet: every day counted from the cases
    assert live[0][1]["total"] > 200 and sum(len(cells) for cells, _w in live[1]) > 100
    registration_days_refresh(today=today)
    build = RegistrationDayBuild.objects.get()
    assert build.class_first_day == today - timedelta(days=CLASS_DAYS_KEPT)
    assert RegistrationDayClass.objects.filter(kind=RegistrationDayClass.PROBLEM).exists()
    assert not RegistrationDayClass.objects.filter(day__gte=today).exists()  # today stays live
    assert figures() == live
    # Today is counted live: a registration now shows at once in the window and the hot-spot cells.
    letter(user("clerk"), "反映州体育中心建设项目拖欠工程款。", problem="60201103")
    j = jurisdiction_for(user("leader"))
    assert series.breakdown(j, *ranges[0])["total"] == live[0][0]["total"] + 1
    cells, _wins = window_cells(j, today)
    assert sum(c[0] for c in cells.values()) == sum(c[0] for c in live[1][0][0].values()) + 1
    # A county's cockpit reads the rows of its own organizations only.
    county = jurisdiction_for(make_user("county_statistician2", org_code="53392201", roles=["statistician"]))
    assert series.built_days(county, today - timedelta(days=5), today, classes=True)[0] is not None
    assert 0 < series.breakdown(county, *ranges[1])["total"] < live[0][1]["total"]


def test_snapshots_of_the_scan_equal_the_live_counts(generated):
    from cockpit.selectors import backlog, deadlines
    from cockpit.services.aggregates import snapshots_refresh

    j = jurisdiction_for(user("leader"))
    today = clock.today()
    live_units, live_totals = deadlines.late_units(j, today, limit=100)
    live_repeats, live_total = backlog.repeat_matters(j, today)
    assert live_totals["computed_at"] is None and live_units and live_repeats
    snapshots_refresh(j, today)
    units, totals = deadlines.late_units(j, today, limit=100)
    assert totals["computed_at"] is not None
    assert [(u.org_id, u.overdue, u.soon) for u in units] == [(u.org_id, u.overdue, u.soon) for u in live_units]
    assert (totals["overdue"], totals["soon"]) == (live_totals["overdue"], live_totals["soon"])
    repeats, total = backlog.repeat_matters(j, today)
    assert total == live_total
    assert [(m.case.pk, m.petitions) for m in repeats] == [(m.case.pk, m.petitions) for m in live_repeats]
    # tomorrow, today's snapshot is not used (deadlines are days)
    assert deadlines.late_units(j, today + timedelta(days=1))[1]["computed_at"] is None


def test_pages_of_the_leader(generated, client):
    client.force_login(user("leader"))
    for name in ("cockpit:wall", "cockpit:hotspots", "cockpit:backlog", "cockpit:warnings", "cockpit:rules"):
        assert client.get(reverse(name)).status_code == 200, name
    backlog = client.get(reverse("cockpit:backlog")).context
    assert backlog["overdue_total"] == Case.objects.filter(
        status__in=["pending", "awaiting_instruction", "awaiting_acceptance", "in_progress", "result_reported",
                    "reviewing", "rechecking"], current_due__lt=clock.today()).count()
    assert all(m.overdue_days > 0 for m in backlog["overdue"])
    assert all(m.petitions >= 3 for m in backlog["repeats"])
