"""Visibility selectors for organizations and users: the one place that scopes them.

Every list, form choice, report scope or detail page that shows organizations or users
gets its queryset from here. Case visibility builds on ``jurisdiction_path`` in
``petitions.selectors``.
"""
from django.db.models import Q
from django.http import Http404

from accounts.models import OrgKind, OrgUnit, User


def is_system_admin(user):
    return user.is_authenticated and (user.is_superuser or user.has_perm("accounts.manage_user"))


def jurisdiction_path(user):
    """Path prefix of the subtree the user answers for, or None if the user has no organization."""
    org = getattr(user, "organization", None)
    if org is None:
        return None
    return org.jurisdiction_path


def acting_org_ids(user):
    """Ids of the organizations the user acts for (his own, plus the unit his bureau serves)."""
    org = getattr(user, "organization", None)
    if org is None:
        return frozenset()
    ids = {org.pk}
    if org.kind == OrgKind.BUREAU and org.parent_id:
        ids.add(org.parent_id)
    return frozenset(ids)


def acts_for(user, org):
    return org is not None and org.pk in acting_org_ids(user)


def perm_q(perms):
    """Q over users holding any of ``perms`` ("app.codename") through a group or directly."""
    q = Q()
    for perm in perms:
        app_label, codename = perm.split(".", 1)
        q |= Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
        q |= Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
    return q


def users_acting_for(orgs, perms=()):
    """Active, unlocked users acting for any of ``orgs`` (the same rule as ``acting_org_ids``,
    read from the other side: the organization's own users and, for a territorial unit, the
    users of its petition bureau) and holding any of ``perms``; all of them if ``perms`` is empty."""
    org_ids = [o.pk for o in orgs if o is not None]
    if not org_ids:
        return User.objects.none()
    qs = User.objects.filter(is_active=True, is_locked=False).filter(
        Q(organization_id__in=org_ids) | Q(organization__parent_id__in=org_ids, organization__kind=OrgKind.BUREAU)
    )
    if perms:
        qs = qs.filter(perm_q(perms))
    return qs.distinct()


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


def user_record_kinds(user):
    """What names ``user`` in the system, as the plural names of the record kinds that do: audit
    rows he wrote, case events, registrations, assignments, reminders, access-log rows, bulletins,
    files, per-case grants … Found from every foreign key and many-to-many field pointing at the
    user model (hidden ones included: the audit log's actor has no reverse accessor), so a record
    kind an app adds later counts without a change here. The account's own role and permission
    links do not count. One ``EXISTS`` per kind."""
    own_links = {f.remote_field.through for f in User._meta.many_to_many}
    kinds = []
    for rel in User._meta.get_fields(include_hidden=True):
        if not (rel.is_relation and rel.auto_created and not rel.concrete):
            continue
        model = rel.related_model
        if model in own_links or model._meta.auto_created:
            continue  # the role links, and the link tables behind many-to-many fields (counted by those)
        if model._default_manager.filter(**{rel.field.name: user.pk}).exists():
            label = str(model._meta.verbose_name_plural)
            if label not in kinds:
                kinds.append(label)
    return kinds


def org_subtree_ids(org):
    return OrgUnit.objects.filter(path__startswith=org.path).values_list("id", flat=True)
