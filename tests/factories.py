"""Plain keyword factories. States are reached through the real services, never by setting fields."""
import time

from django.contrib.auth.models import Group

from accounts import otp
from accounts.demo import DEMO_PASSWORD, load_demo_orgs
from accounts.models import OrgUnit, User
from accounts.roles import ROLE_BY_KEY
from accounts.seed import seed_roles
from accounts.services import otp_enable

PASSWORD = DEMO_PASSWORD
OTP_KEY = b"xf-test-totp-secret!"  # 20 bytes: the second factor of the enrolled test administrators


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


def enrol_otp(user, key=OTP_KEY):
    """Enrol ``user`` in two-factor login through the service (policy obliges the 三员 roles to), with
    a code from the previous step so that a login test's code for the current step is still unused.
    Returns the recovery codes."""
    codes = otp_enable(user=user, secret=key, code=otp.totp(key, time.time() - otp.STEP))
    user.refresh_from_db()
    return codes
