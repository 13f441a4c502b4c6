"""Demo organizations and accounts (loaded only by ``manage.py load_demo``; never in production).

The prefecture is fictional (青峰州, division code 533900, unused in GB/T 2260) so demo data
can never be mistaken for a real office's.
"""
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import PATH_STEP, OrgKind, OrgUnit, User

DEMO_PASSWORD = "Xinfang@2026"

PREFECTURE = ("533900", "青峰州")
PREFECTURE_DEPTS = [("01", "州信访局", OrgKind.BUREAU), ("02", "州公安局", OrgKind.DEPARTMENT),
                    ("03", "州人力资源和社会保障局", OrgKind.DEPARTMENT), ("04", "州自然资源局", OrgKind.DEPARTMENT),
                    ("05", "州住房和城乡建设局", OrgKind.DEPARTMENT), ("06", "州生态环境局", OrgKind.DEPARTMENT),
                    ("07", "州纪委监委", OrgKind.DEPARTMENT)]
COUNTIES = [
    ("533901", "青峰市", [("533901001", "东城街道"), ("533901002", "西城街道")]),
    ("533922", "石门县", [("533922101", "石门镇"), ("533922201", "龙潭乡")]),
    ("533923", "云溪县", [("533923101", "云溪镇"), ("533923201", "白沙乡")]),
]
COUNTY_DEPTS = [("01", "信访局", OrgKind.BUREAU), ("02", "公安局", OrgKind.DEPARTMENT),
                ("03", "人力资源和社会保障局", OrgKind.DEPARTMENT), ("04", "自然资源局", OrgKind.DEPARTMENT),
                ("05", "住房和城乡建设局", OrgKind.DEPARTMENT)]
TOWNSHIP_DEPTS = [("01", "综治信访办", OrgKind.BUREAU), ("02", "派出所", OrgKind.DEPARTMENT),
                  ("03", "司法所", OrgKind.DEPARTMENT), ("04", "自然资源所", OrgKind.DEPARTMENT),
                  ("05", "劳动保障所", OrgKind.DEPARTMENT)]

# username, real name, role key, org code
DEMO_USERS = [
    ("admin", "王建国", "sysadmin", "53390001"),
    ("secadmin", "钱安全", "secadmin", "53390001"),
    ("auditor", "李审计", "auditor", "53390001"),
    ("clerk", "张丽", "clerk", "53390001"),
    ("triage", "刘洋", "triage", "53390001"),
    ("leader", "陈志强", "leader", "53390001"),
    ("supervisor", "赵敏", "supervisor", "53390001"),
    ("statistician", "孙晓", "statistician", "53390001"),
    ("county_clerk", "周芳", "clerk", "53392201"),
    ("county_triage", "吴刚", "triage", "53392201"),
    ("township_handler", "郑伟", "handler", "533922101"),
    ("other_township_handler", "冯军", "handler", "533923101"),
    ("dept_handler", "何静", "handler", "53390003"),
]


def _ensure_org(code, name, kind, parent, sort_order, division_code=""):
    org = OrgUnit.objects.filter(code=code).first()
    if org is not None:
        return org, False
    siblings = OrgUnit.objects.filter(parent=parent).count() if parent else OrgUnit.objects.filter(
        parent__isnull=True).count()
    path = (parent.path if parent else "") + str(siblings + 1).zfill(PATH_STEP)
    org = OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent, path=path,
                                 depth=len(path) // PATH_STEP, sort_order=sort_order,
                                 division_code=division_code or code[:9])
    return org, True


def load_demo_orgs():
    created = 0
    pref, c = _ensure_org(PREFECTURE[0], PREFECTURE[1], OrgKind.PREFECTURE, None, 1, PREFECTURE[0])
    created += c
    for i, (suffix, name, kind) in enumerate(PREFECTURE_DEPTS, start=1):
        created += _ensure_org(PREFECTURE[0] + suffix, name, kind, pref, i, PREFECTURE[0])[1]
    for i, (code, name, townships) in enumerate(COUNTIES, start=10):
        county, c = _ensure_org(code, name, OrgKind.COUNTY, pref, i, code)
        created += c
        for j, (suffix, dept, kind) in enumerate(COUNTY_DEPTS, start=1):
            created += _ensure_org(code + suffix, name + dept, kind, county, j, code)[1]
        for j, (tcode, tname) in enumerate(townships, start=10):
            town, c = _ensure_org(tcode, tname, OrgKind.TOWNSHIP, county, j, tcode)
            created += c
            for k, (suffix, dept, kind) in enumerate(TOWNSHIP_DEPTS, start=1):
                created += _ensure_org(tcode + suffix, tname + dept, kind, town, k, tcode)[1]
    return created


def load_demo_users():
    from accounts.roles import ROLE_BY_KEY

    created = 0
    for username, real_name, role_key, org_code in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        user = User(username=username, real_name=real_name, organization=OrgUnit.objects.get(code=org_code),
                    must_change_password=False, password_changed_at=timezone.now())
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=ROLE_BY_KEY[role_key].name)])
        created += 1
    return created


@transaction.atomic
def load_demo():
    """Idempotent: a second run finds everything present and creates nothing."""
    from accounts.seed import seed_roles

    from accounts import hooks

    seed_roles()
    counts = {"orgs": load_demo_orgs(), "users": load_demo_users()}
    for loader in hooks.get_hooks(hooks.DEMO_DATA):
        counts.update(loader())
    return counts
