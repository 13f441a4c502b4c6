"""Plain keyword factories. States are reached through the real services, never by setting fields."""
from django.contrib.auth.models import Group

from accounts.demo import DEMO_PASSWORD, load_demo_orgs
from accounts.models import OrgUnit, User
from accounts.roles import ROLE_BY_KEY
from accounts.seed import seed_roles

PASSWORD = DEMO_PASSWORD


def make_org_tree():
    """The demo tree: 青峰州 with 3 counties, 2 townships each, departments at every level."""
    seed_roles()
    load_demo_orgs()
    return {o.code: o for o in OrgUnit.objects.all()}


def org(code):
    return OrgUnit.objects.get(code=code)


def make_user(username, *, org_code="53390001", roles=(), password=PASSWORD, must_change_password=False, **extra):
    user = User(username=username, organization=OrgUnit.objects.get(code=org_code),
                real_name=extra.pop("real_name", username), must_change_password=must_change_password, **extra)
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=ROLE_BY_KEY[r].name) for r in roles])
    return user
