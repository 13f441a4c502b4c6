"""Organizations and people a user may pick in a workflow or exchange form; the services check
the same sets, so a form never offers what the service would refuse."""
from accounts.models import OrgKind, OrgUnit, User
from accounts.selectors import perm_q
from petitions.models import Recusal
from petitions.workflow import INSTRUCT, STAFF

TERRITORIAL_KINDS = (OrgKind.PREFECTURE, OrgKind.COUNTY, OrgKind.TOWNSHIP)

EXCHANGE_PERMISSION = "petitions.exchange_package"


def assignable_orgs(user, case):
    """Organizations ``user`` may 交办/转办 ``case`` to: active units inside his jurisdiction and
    below him, never his own unit or (for a bureau) the government it serves; for a confidential
    case never the accused unit or anything under it (条例第三十条第三款)."""
    org = user.organization
    if org is None:
        return OrgUnit.objects.none()
    qs = OrgUnit.objects.filter(is_active=True, path__startswith=org.jurisdiction_path).exclude(pk=org.pk)
    if org.kind == OrgKind.BUREAU and org.parent_id:
        qs = qs.exclude(pk=org.parent_id)
    if case.is_confidential and case.accused_org_id:
        qs = qs.exclude(path__startswith=case.accused_org.path)
    return qs.order_by("path")


def leader_choices(user, case=None):
    """Leaders (holders of 领导批示) in the user's jurisdiction, for 上报领导; never one who has
    withdrawn from ``case`` (回避)."""
    org = user.organization
    if org is None:
        return User.objects.none()
    qs = (User.objects.filter(is_active=True, organization__path__startswith=org.jurisdiction_path)
          .filter(perm_q((INSTRUCT,))).distinct().select_related("organization").order_by("username"))
    if case is not None:
        qs = qs.exclude(pk__in=Recusal.objects.filter(case=case).values("user_id"))
    return qs


def level_of(org):
    """The government (州, 县/市, 乡/镇) an organization belongs to: itself when territorial,
    otherwise the nearest territorial unit above it (a bureau or department sits under its government)."""
    while org is not None and org.kind not in TERRITORIAL_KINDS:
        org = org.parent
    return org


def legal_organs(user, case):
    """The 政法 organs a 涉法涉诉 matter may be routed to (条例第二十二条第二款): the active departments
    of the holding bureau's own government (the same level), inside the user's jurisdiction. The
    tree does not mark which departments are 政法 organs (公安、法院、检察院、司法行政): the triage
    officer chooses among the level's departments."""
    org = user.organization
    level = level_of(case.holder_org or case.registered_org)
    if org is None or level is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(is_active=True, kind=OrgKind.DEPARTMENT, parent=level,
                                  path__startswith=org.jurisdiction_path).order_by("path")


def discipline_organs(user, case):
    """Where a 检举控告 may be routed to 纪检监察 (条例第三十条): active departments of the user's
    jurisdiction at any level (by management authority, the level that manages the accused), never
    the accused unit or anything under it."""
    org = user.organization
    if org is None:
        return OrgUnit.objects.none()
    qs = OrgUnit.objects.filter(is_active=True, kind=OrgKind.DEPARTMENT, path__startswith=org.jurisdiction_path)
    if case.is_confidential and case.accused_org_id:
        qs = qs.exclude(path__startswith=case.accused_org.path)
    return qs.order_by("path")


def recusable_users(user, case):
    """Staff a leader may order to withdraw from ``case`` (责令回避): active users with a business
    role in his jurisdiction, not himself, not already withdrawn."""
    org = user.organization
    if org is None:
        return User.objects.none()
    return (User.objects.filter(is_active=True, organization__path__startswith=org.jurisdiction_path)
            .filter(perm_q(STAFF)).exclude(pk=user.pk)
            .exclude(pk__in=Recusal.objects.filter(case=case).values("user_id"))
            .distinct().select_related("organization").order_by("username"))


def scope_orgs(user):
    """Active organizations of the user's jurisdiction (e.g. 办结归档's 所属单位)."""
    org = user.organization
    if org is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(is_active=True, path__startswith=org.jurisdiction_path).order_by("path")


def exchange_org_choices(user):
    """Organizations whose packages ``user`` may export: the territorial units (州/县/乡) of his
    jurisdiction (a bureau answers for its government's territory, docs/architecture.md §2)."""
    org = getattr(user, "organization", None)
    if org is None or not user.has_perm(EXCHANGE_PERMISSION):
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__startswith=org.jurisdiction_path, is_active=True,
                                  kind__in=(OrgKind.PREFECTURE, OrgKind.COUNTY, OrgKind.TOWNSHIP)).order_by("path")
