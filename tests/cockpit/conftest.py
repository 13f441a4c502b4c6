"""Fixtures of the cockpit tests: generated data for a module, planted events, users by name."""
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import OrgUnit, User
from petitions.models import Channel, DictEntry
from petitions.services.intake import register_case

GENERATED_CASES = 2500


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """The demo users and ~2,500 generated cases over the year ending today, loaded once for the
    module (its tests run inside transactions that roll back); the tables are flushed afterwards
    (the post_migrate seeding restores the roles and dictionaries)."""
    from accounts.demo import load_demo_orgs, load_demo_users
    from accounts.seed import seed_roles
    from bench.generator import generate

    with django_db_blocker.unblock():
        seed_roles()
        load_demo_orgs()
        load_demo_users()
        generate(count=GENERATED_CASES, seed=3, years=1, end_date=timezone.localdate(), stream=None)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def user(username):
    return User.objects.get(username=username)


def entry(kind, code):
    return DictEntry.objects.get(kind=kind, code=code)


def letter(actor, content, *, problem="60201103", region="533923", name="王某某", registered_at=None):
    """A letter registered through the real service (today unless ``registered_at``)."""
    return register_case(
        actor=actor, channel=Channel.LETTER, submit_token=uuid.uuid4().hex, registered_at=registered_at,
        data={"purpose": entry("purpose", "04"), "problem": entry("problem", problem),
              "problem_region": OrgUnit.objects.get(code=region), "content": content,
              "letter_nature": entry("letter_nature", "1"), "signer_count": 1,
              "registration_source": entry("reg_source", "1")},
        petitioners=[{"name": name, "phone": "13908870001"}])


def collective_visit(actor, visitors, *, content="反映龙潭水库移民后期扶持资金未发放到位，请求落实政策。"):
    return register_case(
        actor=actor, channel=Channel.VISIT, submit_token=uuid.uuid4().hex,
        data={"purpose": entry("purpose", "04"), "problem": entry("problem", "60200601"),
              "problem_region": OrgUnit.objects.get(code="533922"), "content": content,
              "visit_nature": entry("visit_nature", "2"), "visitor_count": visitors,
              "visit_level": entry("visit_level", "3")},
        petitioners=[{"name": f"代表{i}", "phone": f"1390887000{i}", "is_representative": True} for i in range(3)])
