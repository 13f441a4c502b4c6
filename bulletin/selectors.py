"""Who sees which bulletin and to whom a file may be sent."""
from django.db.models import Q

from accounts.models import PATH_STEP, OrgUnit, User
from petitions.selectors import BUSINESS_PERMS, has_case_access
from accounts.selectors import perm_q

from bulletin.models import Bulletin, BulletinAudience, BulletinKind, BulletinTarget

PUBLISH_PERMS = ("petitions.triage_case", "petitions.instruct_case")


def can_publish(user):
    """Petition-bureau staff (分流员) and leaders publish for their jurisdiction."""
    return (user.is_authenticated and getattr(user, "organization", None) is not None
            and any(user.has_perm(p) for p in PUBLISH_PERMS))


def can_edit(user, bulletin):
    return can_publish(user) and bulletin.publisher_org_id == user.organization_id


def bulletins_visible(user):
    """Published bulletins addressed to the user's unit, by their audience (发送范围):

    - 本辖区各单位: the publisher's jurisdiction subtree (``audience_path`` is a prefix of the
      user's organization's path);
    - 指定单位: a named organization (``BulletinTarget``) is the user's organization or above it;
    - 仅本单位: the publishing organization only.

    The publishing organization always sees its own bulletins, and a publisher also its
    organization's withdrawn ones. Everything else, another county's included, sees nothing.
    """
    org = getattr(user, "organization", None)
    if not user.is_authenticated or org is None or not has_case_access(user):
        return Bulletin.objects.none()
    path = org.path
    prefixes = [path[:i] for i in range(PATH_STEP, len(path) + 1, PATH_STEP)]
    qs = Bulletin.objects.filter(
        Q(publisher_org_id=org.pk)
        | Q(audience=BulletinAudience.JURISDICTION, audience_path__in=prefixes)
        | Q(audience=BulletinAudience.ORGS,
            pk__in=BulletinTarget.objects.filter(org_path__in=prefixes).values("bulletin_id")))
    if can_publish(user):
        return qs.filter(Q(is_published=True) | Q(publisher_org_id=org.pk))
    return qs.filter(is_published=True)


def audience_org_choices(user):
    """Organizations a publisher may name as a bulletin's audience: the active units of his
    jurisdiction, in tree order."""
    org = getattr(user, "organization", None)
    if org is None or not can_publish(user):
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__startswith=org.jurisdiction_path, is_active=True).order_by("path")


def audience_label(bulletin):
    """发送范围 as the detail page shows it: the kind, and the named organizations."""
    if bulletin.audience != BulletinAudience.ORGS:
        return str(bulletin.get_audience_display())
    names = [t.org.name for t in bulletin.targets.select_related("org").order_by("org_path")]
    return f"{bulletin.get_audience_display()}：{'、'.join(names)}"


def recipients(user):
    """Business users of the same prefecture (active, with an organization); administrators
    and auditors, who see no case content, are not offered."""
    org = getattr(user, "organization", None)
    if org is None or not has_case_access(user):
        return User.objects.none()
    root = org.path[:4]
    return (User.objects.filter(is_active=True, is_locked=False, organization__path__startswith=root)
            .exclude(pk=user.pk).exclude(username__startswith="portal:")
            .filter(perm_q(BUSINESS_PERMS))
            .select_related("organization").distinct().order_by("organization__path", "username"))


def transfers_received(user):
    return user.files_received.select_related("sender", "sender__organization")


def transfers_sent(user):
    return user.files_sent.select_related("recipient", "recipient__organization")


def latest_notices(user, limit=5):
    """The newest published 通知公告 the user may read (home page)."""
    return list(bulletins_visible(user).filter(kind=BulletinKind.NOTICE, is_published=True)
                .select_related("publisher_org")[:limit])
