"""Organizations and people a user may pick in a workflow or exchange form; the services check
the same sets, so a form never offers what the service would refuse."""
from accounts.models import OrgKind, OrgUnit, User
from accounts.selectors import perm_q
from petitions.workflow import INSTRUCT

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


def leader_choices(user):
    """Leaders (holders of 领导批示) in the user's jurisdiction, for 上报领导."""
    org = user.organization
    if org is None:
        return User.objects.none()
    return (User.objects.filter(is_active=True, organization__path__startswith=org.jurisdiction_path)
            .filter(perm_q((INSTRUCT,))).distinct().select_related("organization").order_by("username"))


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
