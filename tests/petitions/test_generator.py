"""generate_cases: deterministic, realistic and consistent synthetic data on both databases."""
from collections import Counter, defaultdict
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Count, Max

from bench.generator import build_context, ensure_orgs_and_staff, generate
from bench.generator.core import Simulator
from petitions.domain.idcard import parse_id_number
from petitions.models import (
    Assignment, Case, CaseCounter, CaseEvent, Evaluation, Petitioner, ReviewRequest,
)
from petitions.workflow import TRANSITIONS, Status

END = date(2026, 6, 30)
REGISTRATION_ACTIONS = {"register": ({""}, {Status.PENDING}), "answer_face_to_face": ({Status.PENDING},
                                                                                        {Status.CLOSED})}

pytestmark = pytest.mark.django_db(transaction=True)


def _generate(count=400, seed=7, **kwargs):
    return generate(count=count, seed=seed, years=2, end_date=END, stream=None, **kwargs)


def _simulated_rows(seed, count=300):
    ensure_orgs_and_staff()
    sim = Simulator(build_context(), seed=seed, count=count, years=2, end_date=END, first_case_id=1,
                    first_assignment_id=1, counters={})
    rows = defaultdict(list)
    for batch in sim.batches(100):
        for key, lines in batch.rows.items():
            rows[key] += lines
    return rows


def test_same_seed_same_data_other_seed_other_data():
    first, again, other = _simulated_rows(11), _simulated_rows(11), _simulated_rows(12)
    assert first == again
    assert first["case"] != other["case"]
    assert len(first["case"]) == 300


def test_batch_size_does_not_change_the_data():
    ensure_orgs_and_staff()
    ctx = build_context()
    outputs = []
    for batch_size in (7, 1000):
        sim = Simulator(ctx, seed=5, count=120, years=1, end_date=END, first_case_id=1, first_assignment_id=1,
                        counters={})
        batches = list(sim.batches(batch_size))
        outputs.append({key: [line for b in batches for line in b.rows[key]] for key in ("case", "event")})
    assert outputs[0] == outputs[1]


def test_generated_cases_are_numbered_gap_free_and_counters_follow():
    stats = _generate()
    assert stats["rows"]["case"] == Case.objects.count() == 400
    per_key = Case.objects.values("registered_org", "year").annotate(n=Count("id"), top=Max("seq"))
    for row in per_key:
        assert row["n"] == row["top"], "numbers must be gap-free per (org, year)"
        counter = CaseCounter.objects.get(org_id=row["registered_org"], year=row["year"])
        assert counter.last_seq == row["top"]
    assert Case.objects.values("number").distinct().count() == 400
    assert Case.objects.values("query_code").distinct().count() == 400
    case = Case.objects.select_related("registered_org").first()
    assert case.number == f"{case.registered_org.code}-{case.year}-{case.seq:06d}"
    assert case.registered_path == case.registered_org.path


def test_second_run_continues_the_numbering():
    _generate(count=150, seed=1)
    _generate(count=150, seed=2)
    assert Case.objects.count() == 300
    for row in Case.objects.values("registered_org", "year").annotate(n=Count("id"), top=Max("seq")):
        assert row["n"] == row["top"]


def test_generated_cases_are_in_the_statistics_aggregates():
    """The reports read the aggregates (docs/reports.md §8.1): a load adds its cases to them, also a second
    load on top of the first, so that the benchmarks measure the reports over the data."""
    from reports.aggregates import statistics_rebuild
    from reports.models import CaseFacts

    _generate(count=150, seed=1)
    _generate(count=150, seed=2)
    assert CaseFacts.objects.count() == 300
    assert not statistics_rebuild(check=True).any


def test_event_trails_chain_and_follow_the_workflow_table():
    _generate()
    trails = defaultdict(list)
    for e in CaseEvent.objects.order_by("case_id", "created_at", "id").values(
            "case_id", "action", "from_status", "to_status", "audit_id"):
        trails[e["case_id"]].append(e)
    statuses = dict(Case.objects.values_list("id", "status"))
    assert set(trails) == set(statuses)
    for case_id, trail in trails.items():
        assert trail[0]["action"] == "register" and trail[0]["from_status"] == ""
        for prev, event in zip(trail, trail[1:]):
            assert event["from_status"] == prev["to_status"], (case_id, prev, event)
        assert trail[-1]["to_status"] == statuses[case_id]
        for event in trail:
            assert event["audit_id"] is None  # imported history: no audit-chain rows
            if event["action"] in REGISTRATION_ACTIONS:
                sources, targets = REGISTRATION_ACTIONS[event["action"]]
            else:
                transition = TRANSITIONS[event["action"]]
                sources, targets = transition.sources, transition.possible_targets()
            assert event["from_status"] in sources, event
            assert event["to_status"] in targets, event


def test_distributions_look_like_an_office():
    _generate(count=1500, seed=3)
    total = Case.objects.count()
    statuses = Counter(Case.objects.values_list("status", flat=True))
    finished = statuses[Status.CLOSED] + statuses[Status.ARCHIVED] + statuses[Status.REJECTED] + statuses[
        Status.NOT_REACCEPTED]
    assert finished / total > 0.75  # most cases are finished
    assert sum(statuses[s] for s in (Status.PENDING, Status.AWAITING_ACCEPTANCE, Status.IN_PROGRESS)) > 0
    assert Case.objects.filter(current_due__lt=END, status=Status.IN_PROGRESS).exists()  # some overdue
    assert ReviewRequest.objects.exists() and Evaluation.objects.exists()
    channels = Counter(Case.objects.values_list("channel", flat=True))
    assert set(channels) >= {"online", "visit", "letter", "phone", "referral"}
    collective = Case.objects.filter(is_collective=True).count() / total
    repeat = Case.objects.filter(is_repeat=True).count() / total
    assert 0.04 < collective < 0.13
    assert 0.08 < repeat < 0.2
    assert Case.objects.filter(abnormal_behaviors__isnull=False).distinct().count() / total < 0.03
    orgs = Case.objects.values("registered_org").distinct().count() + Assignment.objects.values(
        "org").distinct().count()
    assert orgs > 30  # spread across the demo tree
    years = Case.objects.values("year").distinct().count()
    assert years >= 2


def test_people_have_valid_id_numbers_and_repeats_link_to_the_same_person():
    _generate(count=800, seed=4)
    for p in Petitioner.objects.select_related("case")[:300]:
        info = parse_id_number(p.id_number, today=END)
        assert info.sex == p.sex
        assert info.age_on(p.case.registered_at.date()) == p.age
    assert not Petitioner.objects.values("case").annotate(n=Count("id")).filter(n__gt=5).exists()
    repeats = Case.objects.filter(is_repeat=True).select_related("first_case")[:50]
    assert repeats
    for case in repeats:
        assert case.first_case.registered_at < case.registered_at
        ids = set(case.petitioners.values_list("id_number", flat=True))
        assert ids & set(case.first_case.petitioners.values_list("id_number", flat=True))


def test_search_tokens_give_realistic_keyword_hits():
    _generate(count=1500, seed=5)
    for word in ("拆迁", "工资", "物业"):
        hits = Case.objects.filter(content__contains=word).count()
        assert hits > 5, word
        tokens = Case.objects.filter(content__contains=word).values_list("search_tokens", flat=True)[0]
        assert word in tokens.split()


def test_assignments_and_holders_are_consistent():
    _generate()
    for a in Assignment.objects.select_related("org", "case")[:200]:
        assert a.org_path == a.org.path
        assert a.case.registered_at <= a.created_at
    in_progress = Case.objects.filter(status=Status.IN_PROGRESS)
    for case in in_progress[:50]:
        lead = case.assignments.order_by("-id").first()
        assert lead.status == "accepted" and case.holder_org_id == lead.org_id
        assert case.handling_due is not None


def test_command_prints_a_summary(capsys):
    call_command("generate_cases", count=60, seed=9, years=1, end_date=END, verbosity=0)
    assert Case.objects.count() == 60
    assert "generated 60 cases" in capsys.readouterr().out
