"""Visibility selectors for organizations and users: the one place that scopes them.

Every list, form choice, report scope or detail page that shows organizations or users
gets its queryset from here. Case visibility builds on ``jurisdiction_path`` in
``petitions.selectors``.
"""
from django.db.models import Q
from django.http import Http404

from .models import OrgUnit, User


def is_system_admin(user):
    return user.is_authenticated and (user.is_superuser or user.has_perm("accounts.manage_user"))


def jurisdiction_path(user):
    """Path prefix of the subtree the user answers for, or None if the user has no organization."""
    org = getattr(user, "organization", None)
    if org is None:
        return None
    return org.jurisdiction_path


def org_visible_qs(user, qs=None):
    """Organizations the user may see: all for system admins, else the user's jurisdiction subtree."""
    qs = OrgUnit.objects.all() if qs is None else qs
    if not user.is_authenticated:
        return qs.none()
    if is_system_admin(user) or user.has_perm("accounts.manage_role") or user.has_perm("accounts.view_audit"):
        return qs
    prefix = jurisdiction_path(user)
    if prefix is None:
        return qs.none()
    return qs.filter(path__startswith=prefix)


def org_scope_choices(user):
    """Organizations a user may pick as a report or search scope (own jurisdiction subtree)."""
    return org_visible_qs(user).filter(is_active=True)


def user_visible_qs(user, qs=None):
    """Users the user may see: all for system admins, else those in the jurisdiction subtree."""
    qs = User.objects.all() if qs is None else qs
    if not user.is_authenticated:
        return qs.none()
    if is_system_admin(user) or user.has_perm("accounts.manage_role") or user.has_perm("accounts.view_audit"):
        return qs
    prefix = jurisdiction_path(user)
    if prefix is None:
        return qs.filter(pk=user.pk)
    return qs.filter(Q(organization__path__startswith=prefix) | Q(pk=user.pk))


def org_get_visible(user, pk):
    """One organization, or Http404 for both missing and not visible."""
    try:
        return org_visible_qs(user).get(pk=pk)
    except (OrgUnit.DoesNotExist, ValueError, TypeError):
        raise Http404


def user_get_visible(user, pk):
    try:
        return user_visible_qs(user).select_related("organization").get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404


def org_subtree_ids(org):
    return OrgUnit.objects.filter(path__startswith=org.path).values_list("id", flat=True)
