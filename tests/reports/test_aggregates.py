"""The statistics aggregates equal the from-scratch computation at every moment (docs/reports.md §8).

The property test registers cases and moves them through the workflow at random — every writer the
office uses: registration (with 当面答复), the workflow actions, evaluations (portal and 回访代录),
corrections and voids — with the clock moving forward, and after every few steps builds every report,
the KPI table and the charts twice: from the aggregates (``cubes.CELLS``, what the pages read) and from
the case tables (``cubes.CASES``), for several scopes, periods, sources and days, and compares every
cell. At the end ``statistics_rebuild(check=True)`` finds no difference. Refused actions are part of the
run: they must leave the aggregates as they were. The seed and the number of steps can be set with
``STATS_SEED`` / ``STATS_STEPS``; a failure prints the seed and the step.
"""
import os
import random
import uuid
from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import OrgUnit
from petitions.exceptions import ConcurrentModification, TransitionNotAllowed
from petitions.models import (
    Case, Channel, DictEntry, DictKind, Evaluation, ExtensionRequest, HandlingOpinion,
)
from petitions.permissions import available_actions
from petitions.services.corrections import case_correct
from petitions.services.evaluations import case_evaluate, case_evaluation_record
from petitions.services.intake import register_case
from petitions.services.transitions import case_assign, case_transition
from petitions.workflow import TRANSITIONS, Status
from reports import cubes, definitions
from reports.aggregates import statistics_rebuild, statistics_refresh
from reports.cubes import CASES, CELLS, signed_plan, span_plan
from reports.models import NO_DAY, RATED_SINCE, CaseFacts, DeadlineCell, RegistrationCell, Span
from reports.selectors import SOURCE_ALL, SOURCE_DIRECT, SOURCE_REFERRAL, Period, Scope
from tests.factories import make_user

SEED = int(os.environ.get("STATS_SEED", "20261207"))
STEPS = int(os.environ.get("STATS_STEPS", "400"))
CHECK_EVERY = 40
START = date(2026, 1, 20)  # the simulated office opens; months and a year boundary are crossed later on
REFUSED = (ServiceError, NotAllowed, TransitionNotAllowed, ConcurrentModification)
# Actions that move a case on (or change what it counts as) are offered more often than the side ones
# (督办, 标记查看, 回避 …), so that cases reach every state within a few hundred steps.
PROGRESS = {name: 12 for name in (
    "assign", "transfer", "accept", "report_result", "approve_result", "send_back", "answer", "reject", "not_reaccept",
    "report_leader", "instruct", "request_extension", "approve_extension", "refuse_extension", "close", "archive",
    "request_review", "review_decision", "request_recheck", "recheck_decision", "evaluate", "evaluation_record",
    "guide_procedure", "record_mediation", "return")}
PROGRESS.update({"correct": 5, "void": 3, "request_void": 3, "approve_void": 6})
# A recusal takes the one handler or officer of a unit off the case for good, and every member of the cast
# is offered one on every case: rare, or the cases stop before they are answered.
PROGRESS.update({"declare_recusal": 0.05, "order_recusal": 0.05, "mark_urgent": 0.3})
# The other endings (guided to another procedure, a mediation agreement) are rarer than the ordinary answer.
PROGRESS.update({"guide_procedure": 3, "record_mediation": 3, "correct": 2})
REPORTS = [r.build for r in definitions.REPORTS]


def tables_equal(a, b):
    return [(r.kind, r.cells) for r in a.rows] == [(r.kind, r.cells) for r in b.rows]


def every_figure(user, scope, today):
    """{name: comparable value} of every report, the KPI table and the charts, from each source."""
    out = {}
    for figures in (CELLS, CASES):
        got = {}
        for build in REPORTS:
            got[build.__name__] = [(r.kind, r.cells) for r in build(user, scope, figures=figures).rows]
        got["kpi"] = [(r.kind, r.cells) for r in definitions.kpi_report(user, scope, today=today,
                                                                         figures=figures).rows]
        got["charts"] = {slug: (c.labels, c.series) for slug, c in
                         definitions.chart_set(user, scope, figures=figures).items()}
        out[figures.name] = got
    return out


def assert_same(user, scope, today, context):
    both = every_figure(user, scope, today)
    for name in both["cells"]:
        assert both["cells"][name] == both["cases"][name], (
            f"{name} differs from the from-scratch computation ({context}; scope {scope.org.code} "
            f"{scope.period.start}…{scope.period.end} {scope.source}, today {today})")
    return both["cells"]


class Office:
    """The cast, a clock moving forward, and random registrations and actions through the services."""

    def __init__(self, rng, monkeypatch):
        self.rng = rng
        self.moment = timezone.make_aware(datetime.combine(START, time(9, 0)))
        monkeypatch.setattr("petitions.clock.now", lambda: self.moment)
        self.users = {
            "clerk": make_user("clerk", roles=["clerk"]),
            "triage": make_user("triage", roles=["triage"]),
            "leader": make_user("leader", roles=["leader"]),
            "statistician": make_user("statistician", roles=["statistician"]),
            "county_clerk": make_user("county_clerk", org_code="53392201", roles=["clerk"]),
            "county_triage": make_user("county_triage", org_code="53392201", roles=["triage"]),
            "county_leader": make_user("county_leader", org_code="53392201", roles=["leader"]),
            "township_handler": make_user("township_handler", org_code="533922101", roles=["handler"]),
            "dept_handler": make_user("dept_handler", org_code="53390003", roles=["handler"]),
            "county_handler": make_user("county_handler", org_code="53392203", roles=["handler"]),
        }
        self.dicts = {kind: list(DictEntry.objects.filter(kind=kind).order_by("pk"))
                      for kind in DictKind.values}
        self.problems = [e for e in self.dicts[DictKind.PROBLEM] if e.parent_id]
        self.targets = [OrgUnit.objects.get(code=code) for code in ("533922101", "53390003", "53392203")]
        self.done = {}
        self.refused = 0

    # -- time and choice
    @property
    def today(self):
        return timezone.localdate(self.moment)

    def advance(self):
        self.moment += timedelta(hours=self.rng.choice([0, 1, 5, 20, 26, 70, 150]), minutes=self.rng.randrange(60))

    def pick(self, kind, none=0.0):
        if self.rng.random() < none:
            return None
        return self.rng.choice(self.dicts[kind])

    def record(self, name, fn):
        try:
            fn()
        except REFUSED:
            self.refused += 1
            return False
        self.done[name] = self.done.get(name, 0) + 1
        return True

    # -- moves
    def register(self):
        rng = self.rng
        clerk = self.users[rng.choice(["clerk", "county_clerk"])]
        channel = rng.choices([Channel.VISIT, Channel.LETTER, Channel.PHONE, Channel.ONLINE, Channel.SMS, Channel.FAX,
                               Channel.EMAIL, Channel.REFERRAL], weights=[30, 20, 12, 8, 4, 4, 4, 8])[0]
        data = {"content": f"反映拖欠工资和拆迁补偿问题，请求处理（{rng.randrange(10**6)}）",
                "purpose": self.pick(DictKind.PURPOSE, none=0.1),
                "problem": rng.choice(self.problems) if rng.random() > 0.1 else None,
                "is_skip_level": rng.random() < 0.15}
        if channel == Channel.VISIT:
            collective = rng.random() < 0.2
            data.update(visit_nature=DictEntry.objects.get(kind=DictKind.VISIT_NATURE, code="2" if collective else "1"),
                        visitor_count=rng.randrange(5, 40) if collective else rng.choice([None, 1, 2]),
                        visit_level=self.pick(DictKind.VISIT_LEVEL, none=0.2))
            if rng.random() < 0.2:
                data["abnormal_behaviors"] = rng.sample(self.dicts[DictKind.ABNORMAL], rng.randrange(1, 3))
        elif channel == Channel.REFERRAL:
            data["visit_level"] = self.pick(DictKind.VISIT_LEVEL, none=0.6)
        elif channel == Channel.LETTER:
            data["registration_source"] = self.pick(DictKind.REG_SOURCE, none=0.3)
        earlier = list(Case.objects.filter(registered_org=clerk.organization).exclude(status=Status.VOIDED)
                       .values_list("pk", flat=True)[:30])
        if earlier and rng.random() < 0.15:
            data.update(first_case=Case.objects.get(pk=rng.choice(earlier)), is_repeat=True)
        face_to_face = "当场解释说明，信访人表示接受" if channel in (Channel.VISIT, Channel.PHONE) and rng.random() < 0.1 else None
        self.record("register", lambda: register_case(
            actor=clerk, channel=channel, data=data, petitioners=[{"name": "张三"}], submit_token=uuid.uuid4().hex,
            registered_at=self.moment, answer_face_to_face=face_to_face))

    def act(self):
        """A random action some member of the cast may take on a random case, with plausible input."""
        rng = self.rng
        ids = list(Case.objects.exclude(status__in=(Status.ARCHIVED, Status.VOIDED)).values_list("pk", flat=True))
        if not ids:
            return
        case = Case.objects.get(pk=rng.choice(ids))
        offers = []
        for name, user in self.users.items():
            for action in available_actions(user, case):
                if action["name"] in TRANSITIONS or action["name"] in ("evaluation_record", "correct"):
                    offers.append((user, action["name"]))
        if case.status in (Status.ANSWERED, Status.CLOSED):
            offers.append((self.users["clerk"], "evaluate"))  # the petitioner on the portal
        if not offers:
            return
        weights = [PROGRESS.get(name, 1) for _user, name in offers]
        user, name = rng.choices(offers, weights=weights)[0]
        self.record(name, lambda: self.perform(case, user, name))

    def perform(self, case, user, name):
        rng = self.rng
        if name == "evaluate":
            return case_evaluate(case=case, actor=user, ratings={rng.choice(["bureau", "unit"]): rng.choice(
                ["satisfied", "basic", "unsatisfied"])})
        if name == "evaluation_record":
            return case_evaluation_record(case=case, actor=user, ratings={"bureau": rng.choice(
                ["satisfied", "basic", "unsatisfied"])}, called_at=self.moment, callee="信访人本人")
        if name == "correct":
            return case_correct(case=case, actor=user, version=case.version, reason="登记有误，予以更正",
                                petitioners=[{"name": "张三"}],
                                data={"purpose": self.pick(DictKind.PURPOSE), "problem": rng.choice(self.problems),
                                      "visitor_count": rng.choice([None, 1, 3, 12]),
                                      "visit_level": self.pick(DictKind.VISIT_LEVEL, none=0.3),
                                      "registration_source": self.pick(DictKind.REG_SOURCE, none=0.5),
                                      "content": case.content})
        if name in ("assign", "transfer"):
            return case_assign(case=case, actor=user, targets=[{"org": rng.choice(self.targets)}],
                               transfer=name == "transfer", version=case.version, note="请依法办理")
        data = {}
        if name == "report_leader":
            data = {"leader": self.users["leader" if user.organization.code == "53390001" else "county_leader"],
                    "deadline": self.today + timedelta(days=5)}
        elif name in ("reject", "not_reaccept"):
            data = {"reason": self.pick(DictKind.REJECT_REASON), "channel": "向人民法院提起诉讼"}
        elif name in ("answer", "report_result"):
            data = {"opinion": rng.choice(HandlingOpinion.values)}
        elif name == "request_extension":
            data = {"days": rng.randrange(5, 31)}
        elif name in ("approve_extension", "refuse_extension"):
            ext = ExtensionRequest.objects.filter(assignment__case=case).order_by("-pk").first()
            data = {"extension": ext.pk if ext else None}
        elif name in ("review_decision", "recheck_decision"):
            data = {"conclusion": rng.choice(["uphold", "change", "revoke"])}
        elif name == "close":
            data = {"closure_category": self.pick(DictKind.CLOSURE), "closure_org": user.organization,
                    "closure_region": user.organization.parent, "problem": rng.choice(self.problems),
                    "archive": rng.random() < 0.3}
        elif name == "guide_procedure":
            data = {"procedure": "litigation"}
        elif name == "record_mediation":
            data = {"kind": "mediation", "outcome": rng.choice(["agreed", "failed"]), "parties": "双方当事人",
                    "held_on": self.today, "agreement": "双方同意分期支付"}
        elif name == "supervise":
            data = {"deadline": self.today + timedelta(days=7)}
        return case_transition(case=case, action=name, actor=user, version=case.version,
                               note=f"意见：{name}", **data)

    def step(self):
        self.advance()
        if self.rng.random() < 0.35:
            self.register()
        else:
            self.act()


def scopes(office, rng):
    """A few (scope, today) pairs: prefecture and a county, all three sources, a period of the whole run,
    a calendar month, a range across month ends and a single day; today is the office's or a later day."""
    end = office.today + timedelta(days=20)
    periods = [Period(START - timedelta(days=5), end), Period(START.replace(day=1) + timedelta(days=31), end),
               Period(office.today - timedelta(days=45), office.today + timedelta(days=3)),
               Period(office.today, office.today)]
    month = office.today.replace(day=1)
    periods.append(Period(month, (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)))
    out = []
    for period in periods:
        if period.start > period.end:
            continue
        org = OrgUnit.objects.get(code=rng.choice(["533900", "533922"]))
        source = rng.choice([SOURCE_ALL, SOURCE_DIRECT, SOURCE_REFERRAL])
        out.append((Scope(org=org, period=period, source=source),
                    rng.choice([office.today, office.today + timedelta(days=rng.randrange(1, 40))])))
    return out


@pytest.mark.django_db
def test_random_office_work_keeps_every_report_equal_to_the_from_scratch_computation(orgs, monkeypatch):
    rng = random.Random(SEED)
    office = Office(rng, monkeypatch)
    statistician = office.users["statistician"]
    for number in range(1, STEPS + 1):
        office.step()
        if number % CHECK_EVERY == 0 or number == STEPS:
            for scope, today in scopes(office, rng):
                assert_same(statistician, scope, today, f"seed {SEED}, step {number}")
    # Every source on the whole run, once more, and the command's check.
    for source in (SOURCE_ALL, SOURCE_DIRECT, SOURCE_REFERRAL):
        for code in ("533900", "533922"):
            scope = Scope(org=OrgUnit.objects.get(code=code), period=Period(START, office.today), source=source)
            cells = assert_same(statistician, scope, office.today, f"seed {SEED}, end")
    assert not statistics_rebuild(check=True).any
    # The run was not vacuous: cases in every kind of state, and the writers the aggregates follow.
    assert cells["kpi"][-1][1] != [cells["kpi"][-1][1][0]] + [0] * (len(cells["kpi"][-1][1]) - 1)
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {Status.PENDING, Status.AWAITING_ACCEPTANCE, Status.IN_PROGRESS, Status.ANSWERED, Status.CLOSED,
            Status.REJECTED, Status.VOIDED} <= statuses, statuses
    for name in ("register", "assign", "accept", "report_result", "approve_result", "close", "reject", "evaluate",
                 "correct", "request_review", "review_decision", "approve_extension"):
        assert office.done.get(name), (name, office.done, office.refused)
    assert Evaluation.objects.exists() and office.refused > 0


# ---------------------------------------------------------------- the pieces, one by one

def test_a_period_is_read_as_whole_months_and_the_days_around_them():
    assert span_plan(date(2026, 1, 15), date(2026, 4, 10)) == (
        [date(2026, 2, 1), date(2026, 3, 1)],
        [(date(2026, 1, 15), date(2026, 1, 31)), (date(2026, 4, 1), date(2026, 4, 10))])
    # A year: twelve month cells per key, no day cell.
    assert span_plan(date(2025, 1, 1), date(2025, 12, 31)) == ([date(2025, m, 1) for m in range(1, 13)], [])
    # A cut (today) inside March: March is read day by day, merged with the days of April.
    assert span_plan(date(2026, 1, 1), date(2026, 4, 10), cuts=(date(2026, 3, 10),)) == (
        [date(2026, 1, 1), date(2026, 2, 1)], [(date(2026, 3, 1), date(2026, 4, 10))])
    # A cut on the first day of a month leaves it whole; one day is one day cell.
    assert span_plan(date(2026, 1, 1), date(2026, 3, 31), cuts=(date(2026, 3, 1),))[0][-1] == date(2026, 3, 1)
    assert span_plan(date(2026, 2, 28), date(2026, 2, 28)) == ([], [(date(2026, 2, 28), date(2026, 2, 28))])


def _days(first, last):
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_a_partial_month_is_read_as_its_month_minus_the_days_outside_when_that_reads_fewer_days():
    # A year to today: the first month as its month minus its 7 days before the period; the current month
    # as its month minus nothing read (the days after today hold no registrations).
    months, plus, minus = signed_plan(date(2025, 12, 8), date(2026, 12, 7), today=date(2026, 12, 7))
    assert months == [date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 13)]
    assert plus == [] and minus == _days(date(2025, 12, 1), date(2025, 12, 7)) + _days(date(2026, 12, 8),
                                                                                       date(2026, 12, 31))
    # More days outside than inside (up to today): the days themselves, as span_plan reads them.
    assert signed_plan(date(2026, 1, 25), date(2026, 3, 10), today=date(2026, 4, 1)) == (
        [date(2026, 2, 1)], _days(date(2026, 1, 25), date(2026, 1, 31)) + _days(date(2026, 3, 1), date(2026, 3, 10)),
        [])
    # Whole months only, and one day inside a month.
    assert signed_plan(date(2025, 1, 1), date(2025, 12, 31), today=date(2026, 1, 1)) == (
        [date(2025, m, 1) for m in range(1, 13)], [], [])
    assert signed_plan(date(2026, 2, 28), date(2026, 2, 28), today=date(2026, 3, 1)) == (
        [], [date(2026, 2, 28)], [])


def test_entries_read_as_months_minus_days_equal_the_cases_and_leave_out_the_days_outside(office):
    statistician = office.users["statistician"]
    # Cases before the period in its first month, inside it, and after it in its last month (up to today).
    for day in (date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 15), date(2026, 4, 10), date(2026, 5, 3),
                date(2026, 5, 6)):
        for hour in (9, 15, 23):
            office.moment = timezone.make_aware(datetime.combine(day, time(hour, 30)))
            office.register()
    office.moment = timezone.make_aware(datetime(2026, 5, 7, 12, 0))
    scope = Scope(org=OrgUnit.objects.get(code="533900"), period=Period(date(2026, 3, 10), date(2026, 5, 5)))
    months, plus, minus = signed_plan(scope.period.start, scope.period.end, today=office.today)
    assert (months, plus) == ([date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)], [])
    assert date(2026, 3, 9) in minus and date(2026, 5, 6) in minus  # both ends are subtracted
    inside = Case.objects.filter(registered_at__date__gte=date(2026, 3, 10), registered_at__date__lte=date(2026, 5, 5))
    assert inside.count() == 9
    for dim in ("problem", "purpose"):
        measures = {"n": cubes.cases(), "visit_p": cubes.persons(cubes.VISIT)}
        cells = CELLS.by_entry(statistician, scope, dim, measures)
        assert cells == CASES.by_entry(statistician, scope, dim, measures)
        assert sum(v["n"] for v in cells.values()) == 9
        # An entry whose only cases lie outside the period is absent, not a row of zeros.
        assert all(v["n"] > 0 for v in cells.values())
        assert set(cells) == set(inside.values_list(f"{dim}_id", flat=True))


@pytest.fixture
def office(orgs, monkeypatch):
    return Office(random.Random(7), monkeypatch)


def test_a_registration_is_in_the_cells_of_its_day_and_month_in_the_same_transaction(office):
    office.moment = timezone.make_aware(datetime(2026, 2, 27, 23, 59))
    office.register()
    case = Case.objects.get()
    cells = RegistrationCell.objects.filter(org_id=case.registered_org_id)
    assert sorted((c.span, c.day, c.n) for c in cells) == [(Span.DAY, date(2026, 2, 27), 1),
                                                           (Span.MONTH, date(2026, 2, 1), 1)]
    facts = CaseFacts.objects.get(case_id=case.pk)
    assert (facts.reg_day, facts.counted, facts.st_open) == (date(2026, 2, 27), True, True)


def test_a_voided_case_leaves_every_cell(office):
    office.register()
    case = Case.objects.get()
    case_transition(case=case, action="void", actor=office.users["triage"] if case.registered_org.code == "53390001"
                    else office.users["county_triage"], note="重复登记")
    assert not RegistrationCell.objects.exclude(n=0).exists()
    assert not DeadlineCell.objects.exclude(n=0).exists()
    assert CaseFacts.objects.get(case_id=case.pk).counted is False


def test_refresh_is_idempotent_and_a_refused_action_changes_nothing(office):
    for _i in range(5):
        office.register()
    before = sorted(RegistrationCell.objects.values_list("span", "day", "org_id", "channel", "n", "persons"))
    assert statistics_refresh(Case.objects.values_list("pk", flat=True)) == 0
    case = Case.objects.first()
    with pytest.raises(TransitionNotAllowed):
        case_transition(case=case, action="accept", actor=office.users["township_handler"])
    assert sorted(RegistrationCell.objects.values_list("span", "day", "org_id", "channel", "n", "persons")) == before


def test_an_evaluation_older_than_the_answer_is_rated_only_from_its_day(office):
    """参评 as kpi_counts defines it: an evaluation made since the period start. Should an answer be given
    again after an evaluation (only imported data can do that today), the KPI of a period starting after
    the evaluation counts the case as not rated, the aggregates too (``RATED_SINCE``)."""
    triage = office.users["triage"]
    office.moment = timezone.make_aware(datetime(2026, 3, 2, 10, 0))
    case = register_case(actor=office.users["clerk"], channel=Channel.LETTER, data={"content": "咨询社保转移接续"},
                         petitioners=[{"name": "张三"}], submit_token=uuid.uuid4().hex, registered_at=office.moment)
    case_transition(case=case, action="answer", actor=triage, note="已答复", opinion="explain")
    office.moment += timedelta(days=1)
    case_evaluate(case=case, actor=triage, ratings={"bureau": "satisfied"})
    Case.objects.filter(pk=case.pk).update(answered_at=timezone.make_aware(datetime(2026, 4, 20, 9, 0)))
    statistics_refresh([case.pk])
    assert DeadlineCell.objects.filter(kind="ans", state=RATED_SINCE, aux_day=date(2026, 3, 3), n=1).exists()
    statistician = office.users["statistician"]
    for start in (date(2026, 3, 1), date(2026, 4, 1)):
        scope = Scope(org=OrgUnit.objects.get(code="533900"), period=Period(start, date(2026, 6, 30)))
        cells = assert_same(statistician, scope, date(2026, 7, 1), "rated since")
        total = cells["kpi"][-1][1]
        keys = [leaf.key for leaf in definitions.kpi_report(statistician, scope, today=date(2026, 7, 1)).leaves]
        rated, overdue = total[keys.index("rated")], total[keys.index("eval_overdue")]
        assert (rated, overdue) == ((1, 0) if start.month == 3 else (0, 1))


def test_rebuild_check_finds_a_tampered_cell_and_the_rebuild_repairs_it(office, capsys):
    for _i in range(6):
        office.register()
    assert not statistics_rebuild(check=True).any
    cell = RegistrationCell.objects.filter(span=Span.MONTH).first()
    RegistrationCell.objects.filter(pk=cell.pk).update(n=cell.n + 3)
    CaseFacts.objects.filter(case_id=Case.objects.first().pk).update(channel="tampered")

    found = statistics_rebuild(check=True)
    assert found.any and found.cells["RegistrationCell"] == 1 and found.facts == 1
    assert found.facts_sample == (Case.objects.first().number,)
    with pytest.raises(SystemExit) as exit_info:
        call_command("rebuild_statistics", "--check")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "RegistrationCell" in out and Case.objects.first().number in out
    # The check wrote nothing.
    assert RegistrationCell.objects.get(pk=cell.pk).n == cell.n + 3

    call_command("rebuild_statistics")
    assert not statistics_rebuild(check=True).any
    call_command("rebuild_statistics", "--check")  # exit 0: no SystemExit
    assert "consistent" in capsys.readouterr().out


def test_rebuild_of_a_period_refreshes_only_the_cases_registered_in_it(office, capsys):
    office.moment = timezone.make_aware(datetime(2026, 3, 5, 9, 0))
    office.register()
    office.moment = timezone.make_aware(datetime(2026, 5, 5, 9, 0))
    office.register()
    march, may = Case.objects.order_by("registered_at")
    Case.objects.filter(pk__in=[march.pk, may.pk]).update(channel=Channel.PHONE)  # behind the services' back
    found = statistics_rebuild(check=True, start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert found.facts == 1 and found.facts_sample == (march.number,)
    call_command("rebuild_statistics", "--from", "2026-03-01", "--to", "2026-03-31")
    assert "1 case(s) changed" in capsys.readouterr().out
    assert CaseFacts.objects.get(case_id=march.pk).channel == Channel.PHONE
    assert CaseFacts.objects.get(case_id=may.pk).channel != Channel.PHONE
    assert not statistics_rebuild(check=True, start=date(2026, 3, 1), end=date(2026, 3, 31)).any
    assert statistics_rebuild(check=True).facts == 1


def test_the_command_refuses_a_malformed_date(orgs):
    with pytest.raises(Exception) as info:
        call_command("rebuild_statistics", "--from", "2026-13-01")
    assert "2026-13-01" in str(info.value)


def test_every_writer_of_cases_in_petitions_services_tells_the_statistics():
    """A module of petitions/services that creates or changes case rows, evaluations or 异常行为 calls
    ``cases_changed`` (docs/reports.md §8); without it the reports would not see its changes."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "petitions" / "services"
    writes = re.compile(r"\bCase\.objects\.(create|bulk_create)\(|\bCase\.objects\.filter\([^)]*\)\.update\(|"
                        r"\b(locked|case)\.save\(|\bEvaluation\.objects\.(create|bulk_create)\(|"
                        r"abnormal_behaviors\.(set|add|remove)\(|\bCopyWriter\(")
    missing = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if writes.search(text) and "cases_changed(" not in text:
            missing.append(str(path.relative_to(root.parent.parent)))
    # The history import's writer: its caller (history_import/__init__.py) tells them, once per file; the
    # items of a package from another instance: their caller (instances.py), once per package received.
    allowed = {"petitions/services/history_import/writer.py", "petitions/services/instance_apply.py"}
    assert sorted(set(missing) - allowed) == []
