"""Reads on the streaming standby (accounts/replica.py, docs/replica.md).

The first tests check the choice of database with the standby's state given, on any engine. Those marked
``real_replica`` run on a real hot standby of the test cluster: `.ci/run` starts one with `bin/make_replica`
and sets TEST_REPLICA_URL; without it they are skipped. They commit their data (the standby sees only
committed transactions) and wait until the standby has replayed it."""
import os
import shutil
import subprocess
import time

import pytest
from django.core import signing
from django.db import connections
from django.test import RequestFactory, override_settings
from django.urls import reverse

from accounts import replica
from tests.factories import enrol_otp, make_org_tree, make_user
from tests.reports import expected
from tests.reports.dataset import build_dataset

MARCH = {"start": "2025-03-01", "end": "2025-03-31", "source": "all"}
HAS_REPLICA = "replica" in connections.settings and connections.settings["default"]["ENGINE"].endswith("postgresql")
real_replica = pytest.mark.skipif(not HAS_REPLICA, reason="no standby (TEST_REPLICA_URL unset)")


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch):
    """Each test starts with nothing known about the standby."""
    monkeypatch.setattr(replica, "_state", replica.StandbyState())


def healthy(**overrides):
    values = {"checked_at": time.monotonic(), "reachable": True, "in_recovery": True, "streaming": True,
              "lag_seconds": 0.0, "replay_lsn": "0/5000000"}
    return replica.StandbyState(**{**values, **overrides})


@pytest.fixture
def standby(monkeypatch, settings):
    """A standby configured, its state as the test sets it (no database behind the alias)."""
    settings.REPLICA_MAX_LAG_SECONDS = 5
    state = {"now": healthy(), "fresh": None, "asked_fresh": 0}
    monkeypatch.setattr(replica, "configured", lambda: True)

    def fake_state(*, fresh=False):
        if fresh:
            state["asked_fresh"] += 1
            if state["fresh"] is not None:
                state["now"] = state["fresh"]
        return state["now"]

    monkeypatch.setattr(replica, "standby_state", fake_state)
    return state


def get(path="/reports/", cookie=None, method="get"):
    request = getattr(RequestFactory(), method)(path)
    if cookie is not None:
        request.COOKIES[replica.LSN_COOKIE] = cookie
    return request


def signed(position):
    return signing.Signer(salt=replica.LSN_SALT).sign(position)


def test_positions_compare_as_numbers():
    assert replica.lsn_value("0/16B3748") == 0x16B3748
    assert replica.lsn_value("1/0") > replica.lsn_value("0/FFFFFFFF")
    assert replica.lsn_value(None) is None


def test_without_a_standby_everything_reads_the_primary():
    assert not replica.configured()
    assert replica.read_alias(get()) is None
    assert replica.ReplicaRouter().db_for_read(None) is None


def test_a_healthy_standby_takes_the_reads(standby):
    assert replica.read_alias(get()) == replica.REPLICA


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_a_request_that_writes_reads_the_primary(standby, method):
    assert replica.read_alias(get(method=method)) is None


@pytest.mark.parametrize("state", [
    healthy(lag_seconds=5.5),  # further behind than REPLICA_MAX_LAG_SECONDS
    healthy(lag_seconds=None),
    healthy(streaming=False),  # cut off from the primary: "caught up" with nothing
    healthy(in_recovery=False),  # promoted, or pointed at a primary by mistake
    healthy(reachable=False),
    healthy(down_until=float("inf")),  # failed a moment ago (still within REPLICA_RETRY_SECONDS)
], ids=["lagging", "lag-unknown", "not-streaming", "not-a-standby", "unreachable", "marked-down"])
def test_an_unfit_standby_leaves_the_reads_on_the_primary(standby, state):
    standby["now"] = state
    assert replica.read_alias(get()) is None
    assert state.reason  # the health page says why


def test_own_writes_are_read_back_from_the_primary_until_replayed(standby):
    # The user's last write is at 0/6000000; the standby has replayed to 0/5000000 and, asked again, still has.
    assert replica.read_alias(get(cookie=signed("0/6000000"))) is None
    assert standby["asked_fresh"] == 1
    # Once replayed past it, the standby serves the user again.
    standby["fresh"] = healthy(replay_lsn="0/6000100")
    assert replica.read_alias(get(cookie=signed("0/6000000"))) == replica.REPLICA
    # An older write needs no fresh look.
    standby["asked_fresh"] = 0
    assert replica.read_alias(get(cookie=signed("0/4000000"))) == replica.REPLICA
    assert standby["asked_fresh"] == 0


def test_a_forged_position_keeps_the_user_on_the_primary(standby):
    assert replica.read_alias(get(cookie="0/1:forged")) is None


def test_the_router_sends_writes_and_transactions_to_the_primary(monkeypatch):
    router = replica.ReplicaRouter()
    monkeypatch.setattr(replica, "configured", lambda: True)
    token = replica._alias.set(replica.REPLICA)
    try:
        assert router.db_for_read(None) == replica.REPLICA
        assert router.db_for_write(None) == replica.PRIMARY
        # Inside a transaction of the primary (a service reading before it writes) reads stay there.
        monkeypatch.setattr(connections[replica.PRIMARY], "in_atomic_block", True)
        assert router.db_for_read(None) is None
    finally:
        replica._alias.reset(token)
    monkeypatch.setattr(connections[replica.PRIMARY], "in_atomic_block", False)
    assert router.db_for_read(None) is None  # outside a replica_reads view
    assert router.allow_migrate(replica.REPLICA, "petitions") is False
    assert router.allow_migrate(replica.PRIMARY, "petitions") is None


def test_health_page_for_the_system_administrator_only(client, orgs):
    admin = make_user("sysadmin1", roles=["sysadmin"])
    enrol_otp(admin)
    clerk = make_user("clerk1", roles=["clerk"])
    client.force_login(clerk)
    assert client.get(reverse("accounts:system_health")).status_code == 403
    client.force_login(admin)
    response = client.get(reverse("accounts:system_health"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "运行状态" in html and "主库" in html
    if not HAS_REPLICA:
        assert "未配置只读副本" in html


# --- on a real standby ---------------------------------------------------------------------------------------

def replayed(timeout=15):
    """Wait until the standby has replayed everything the primary has committed so far."""
    target = replica.lsn_value(replica.primary_position())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
            if replica.lsn_value(cursor.fetchone()[0]) >= target:
                return
        time.sleep(0.05)
    raise AssertionError("the standby did not replay the test's data in time")


def standby_sql(sql):
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)


def ctl(action):
    """Stop or start the standby's cluster (TEST_REPLICA_CLUSTER, "<version> <name>", as `.ci/run` made it)."""
    cluster = os.environ.get("TEST_REPLICA_CLUSTER", "").split()
    if len(cluster) != 2 or not shutil.which("pg_ctlcluster"):
        pytest.skip("TEST_REPLICA_CLUSTER names no cluster this test may stop")
    extra = ["-m", "fast"] if action == "stop" else []
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, action, *extra], check=True,
                   capture_output=True, timeout=60)


def queries_on(alias, call):
    """``call()`` and the number of queries it ran on ``alias``. Unlike CaptureQueriesContext this does not
    connect first (the standby may be down), and requests do not reset it."""
    count = 0

    def counting(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connections[alias].execute_wrapper(counting):
        result = call()
    return result, count


@pytest.fixture
def committed_dataset(transactional_db):
    make_org_tree()
    build_dataset()
    user = make_user("statistician", roles=["statistician"])
    replayed()
    return user


def bureau_report(client):
    from accounts.models import OrgUnit

    return client.get(reverse("reports:report", args=["bureau-data"]),
                      {**MARCH, "org": OrgUnit.objects.get(code="533900").pk})


def rows_of(response):
    return [(row.kind, row.cells) for row in response.context["table"].rows]


REAL = dict(REPLICA_READS=True, REPLICA_CHECK_SECONDS=0, REPLICA_RETRY_SECONDS=30, REPLICA_MAX_LAG_SECONDS=5)


@real_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
@override_settings(**REAL)
def test_a_report_is_read_on_the_standby_with_the_primarys_figures(client, committed_dataset):
    client.force_login(committed_dataset)
    response, on_standby = queries_on("replica", lambda: bureau_report(client))
    assert response.status_code == 200
    assert rows_of(response) == expected.BUREAU_DATA
    assert on_standby >= 3  # the standby's state, then the report's own reads
    # A page that is not a report, a chart, an export or a search stays on the primary.
    _, home_on_standby = queries_on("replica", lambda: client.get(reverse("home")))
    assert home_on_standby == 0


@real_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
@override_settings(**REAL)
def test_own_write_read_back_while_the_standby_is_paused(client, committed_dataset):
    """With replay paused the standby falls behind: the user who just wrote reads the primary, another user
    within the lag limit reads the standby's older state, and past the limit everyone reads the primary."""
    client.force_login(committed_dataset)
    other = make_user("statistician2", roles=["statistician"])
    replayed()
    standby_sql("SELECT pg_wal_replay_pause()")
    try:
        # The statistician saves his sign-off names (a POST that writes), then opens the report.
        response = client.post(reverse("reports:report", args=["bureau-data"]),
                               {"unit_head": "张主任", "preparer": "李统计", "save_signers": "1"})
        assert response.status_code in (200, 302)
        assert replica.LSN_COOKIE in response.cookies
        response, on_standby = queries_on("replica", lambda: bureau_report(client))
        assert response.status_code == 200 and rows_of(response) == expected.BUREAU_DATA
        assert on_standby <= 2  # two looks at the standby's position; the report from the primary

        second = client.__class__()
        second.force_login(other)
        response, on_standby = queries_on("replica", lambda: bureau_report(second))
        assert response.status_code == 200 and on_standby >= 3  # behind, but within the limit

        with override_settings(REPLICA_MAX_LAG_SECONDS=0):
            time.sleep(0.2)
            response, on_standby = queries_on("replica", lambda: bureau_report(second))
        assert response.status_code == 200 and rows_of(response) == expected.BUREAU_DATA
        assert on_standby <= 1
    finally:
        standby_sql("SELECT pg_wal_replay_resume()")


@real_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
@override_settings(**REAL)
def test_the_standby_stopped_mid_test(client, committed_dataset):
    client.force_login(committed_dataset)
    admin = make_user("sysadmin1", roles=["sysadmin"])
    enrol_otp(admin)
    response, on_standby = queries_on("replica", lambda: bureau_report(client))
    assert on_standby >= 3
    ctl("stop")
    try:
        # The standby was healthy a moment ago; its connection breaks under the report, which is made again on
        # the primary: the statistician sees his figures, not an error.
        with override_settings(REPLICA_CHECK_SECONDS=3600):
            response = bureau_report(client)
        assert response.status_code == 200 and rows_of(response) == expected.BUREAU_DATA
        assert not replica._state.reachable and replica._state.down_until > time.monotonic()
        # Later requests do not knock at the stopped standby while it is marked down.
        response, on_standby = queries_on("replica", lambda: bureau_report(client))
        assert response.status_code == 200 and on_standby == 0
        # The health page says so.
        client.force_login(admin)
        html = client.get(reverse("accounts:system_health")).content.decode()
        assert "已切回主库读取" in html and "无法连接" in html
    finally:
        ctl("start")
    # Back up: once the retry window has passed, reads return to the standby.
    for _ in range(100):
        try:
            replayed(timeout=1)
            break
        except Exception:  # noqa: BLE001 (starting up: not yet accepting connections)
            connections["replica"].close()
            time.sleep(0.2)
    replica._state.down_until = 0
    client.force_login(committed_dataset)
    response, on_standby = queries_on("replica", lambda: bureau_report(client))
    assert response.status_code == 200 and rows_of(response) == expected.BUREAU_DATA and on_standby >= 3


@real_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
@override_settings(**REAL)
def test_health_page_shows_the_lag(client, orgs):
    admin = make_user("sysadmin1", roles=["sysadmin"])
    enrol_otp(admin)
    replayed()
    client.force_login(admin)
    html = client.get(reverse("accounts:system_health")).content.decode()
    assert "正在只读副本上读取" in html
    assert "秒" in html and "已回放至" in html


# --- connection pooling (docs/replica.md §5) ----------------------------------------------------------------

def test_behind_pgbouncer_no_server_side_cursor_and_no_startup_option(monkeypatch):
    from config.settings.base import database_config

    direct = database_config("postgres://xf@db.example.gov.cn:5432/xf")
    assert direct["OPTIONS"]["options"] == "-c jit=off"
    assert not direct.get("DISABLE_SERVER_SIDE_CURSORS")
    monkeypatch.setenv("DATABASE_POOLER", "transaction")
    pooled = database_config("postgres://xf@127.0.0.1:6432/xf")
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert "options" not in pooled.get("OPTIONS", {})  # PgBouncer refuses startup options it does not know
    assert not database_config("sqlite:////tmp/x.sqlite3").get("DISABLE_SERVER_SIDE_CURSORS")
