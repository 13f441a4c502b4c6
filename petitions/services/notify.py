"""In-app notifications (accounts.Reminder rows) for workflow steps and deadlines.

Who is told is decided by organization and role permission: the users *acting for* an
organization are its own users and, for a territorial unit (县, 乡), the users of its petition
bureau. Reminders of a transition are created with ``transaction.on_commit`` so that a rolled
back step never tells anyone anything.
"""
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from accounts import gateway
from accounts.models import OrgKind, Reminder, User


def perm_q(perms):
    """Q over users holding any of ``perms`` through a group or directly."""
    q = Q()
    for perm in perms:
        app_label, codename = perm.split(".", 1)
        q |= Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
        q |= Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
    return q


def users_acting_for(orgs, perms=()):
    """Active users of ``orgs`` (and of the petition bureau of each territorial unit among
    them) holding any of ``perms`` ("app.codename"); all of them if ``perms`` is empty."""
    org_ids = [o.pk for o in orgs if o is not None]
    if not org_ids:
        return User.objects.none()
    qs = User.objects.filter(is_active=True, is_locked=False).filter(
        Q(organization_id__in=org_ids) | Q(organization__parent_id__in=org_ids, organization__kind=OrgKind.BUREAU)
    )
    if perms:
        qs = qs.filter(perm_q(perms))
    return qs.distinct()


def case_url(case):
    try:
        return reverse("petitions:detail", args=[case.pk])
    except NoReverseMatch:  # detail page not wired (trimmed deployment)
        return ""


def reminders_create(*, user_ids, title, body="", url="", due_at=None, dedup_key=""):
    """Insert one reminder per user; with ``dedup_key`` a user gets it at most once ever.
    Returns the number of reminders actually created."""
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return 0
    title = str(title)[:200]
    if not dedup_key:
        Reminder.objects.bulk_create([
            Reminder(user_id=uid, title=title, body=str(body), url=url, due_at=due_at) for uid in user_ids
        ])
        _deliver(user_ids, title, url)
        return len(user_ids)
    dedup_key = dedup_key[:120]
    existing = set(Reminder.objects.filter(user_id__in=user_ids, dedup_key=dedup_key)
                   .values_list("user_id", flat=True))
    created = []
    for uid in user_ids:
        if uid in existing:
            continue
        try:
            # A concurrent run may insert the same key first; the partial unique index decides.
            with transaction.atomic():
                Reminder.objects.create(user_id=uid, title=title, body=str(body), url=url, due_at=due_at,
                                        dedup_key=dedup_key)
            created.append(uid)
        except IntegrityError:
            continue
    _deliver(created, title, url)
    return len(created)


def _deliver(user_ids, title, url):
    """E-mail / SMS beside the in-app reminder (accounts/gateway.py), once the rows exist."""
    if not user_ids or not gateway.enabled():
        return
    users = list(User.objects.filter(pk__in=user_ids).only("id", "email", "phone", "is_active"))
    transaction.on_commit(lambda: gateway.deliver(users, title=title, url=url))


def notify_on_commit(*, users, title, body="", case=None, dedup_key=""):
    """Queue reminders for ``users`` (a queryset or iterable of users/ids) after commit."""
    ids = [u if isinstance(u, int) else u.pk for u in users]
    if not ids:
        return
    url = case_url(case) if case is not None else ""
    transaction.on_commit(lambda: reminders_create(user_ids=ids, title=title, body=body, url=url,
                                                   dedup_key=dedup_key))
