"""Writes to organizations, users and roles. Each function checks the actor's permission,
applies the change and records it in the audit chain, in one transaction."""
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import otp
from accounts import roles as role_rules
from accounts.audit import audit_record
from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import PATH_STEP, OrgUnit, User
from accounts.reminders import reminders_create
from accounts.security import clear_failures
from accounts.text import PhoneError, clean_line, normalise_phone
from accounts.selectors import perm_q, user_record_kinds


def _person_fields(fields):
    """Names and titles cleaned, the phone checked and written one way (``accounts.text``)."""
    fields = dict(fields)
    for name in ("real_name", "title"):
        if name in fields:
            fields[name] = clean_line(fields[name])
    if "phone" in fields:
        try:
            fields["phone"] = normalise_phone(fields["phone"])
        except PhoneError:
            raise ServiceError(_("联系电话格式不正确：请填写11位手机号，或带区号的固定电话（如0871-65123456）。"),
                               code="phone_invalid", field="phone")
    return fields


def _require(actor, perm):
    if actor is not None and not actor.has_perm(perm):
        raise NotAllowed(_("您没有执行此操作的权限。"))


def _perm_names(perms):
    return {f"{p.content_type.app_label}.{p.codename}" for p in perms}


# --- organizations ---------------------------------------------------------------------------

def _next_path(parent):
    siblings = OrgUnit.objects.filter(parent=parent) if parent else OrgUnit.objects.filter(parent__isnull=True)
    prefix = parent.path if parent else ""
    last = siblings.aggregate(m=Max("path"))["m"]
    index = int(last[-PATH_STEP:]) + 1 if last else 1
    if index >= 10 ** PATH_STEP:
        raise ServiceError(_("下级机构数量已达上限。"), code="org_too_many_children")
    return prefix + str(index).zfill(PATH_STEP)


@transaction.atomic
def org_create(*, actor, code, name, kind, parent=None, short_name="", division_code="", sort_order=0,
               is_active=True, request=None):
    """Create an organization under ``parent``. Audit: ``org.create``.

    Raises ServiceError if the code is taken."""
    _require(actor, "accounts.manage_orgunit")
    if OrgUnit.objects.filter(code=code).exists():
        raise ServiceError(_("机构代码“%(code)s”已存在。") % {"code": code}, code="org_code_taken", field="code")
    org = OrgUnit(code=code, name=name, kind=kind, parent=parent, short_name=short_name,
                  division_code=division_code, sort_order=sort_order, is_active=is_active)
    org.path = _next_path(parent)
    org.depth = len(org.path) // PATH_STEP
    org.full_clean()
    org.save()
    audit_record(action="org.create", actor=actor, target=org, request=request,
                 summary=_("新增机构 %(name)s") % {"name": name}, data={"code": code, "kind": kind})
    return org


@transaction.atomic
def org_update(*, actor, org, request=None, **fields):
    """Update name, code, kind, flags. Moving an organization is not supported (its path is stable).
    Audit: ``org.update`` with the changed fields."""
    _require(actor, "accounts.manage_orgunit")
    org = OrgUnit.objects.select_for_update().get(pk=org.pk)
    changes = {}
    for name in ("code", "name", "short_name", "kind", "division_code", "sort_order", "is_active"):
        if name in fields and getattr(org, name) != fields[name]:
            changes[name] = [getattr(org, name), fields[name]]
            setattr(org, name, fields[name])
    if "code" in changes and OrgUnit.objects.filter(code=org.code).exclude(pk=org.pk).exists():
        raise ServiceError(_("机构代码“%(code)s”已存在。") % {"code": org.code}, code="org_code_taken", field="code")
    if not changes:
        return org
    org.full_clean()
    org.save()
    audit_record(action="org.update", actor=actor, target=org, request=request,
                 summary=_("修改机构 %(name)s") % {"name": org.name}, data={"changes": changes})
    return org


@transaction.atomic
def org_delete(*, actor, org, request=None):
    """Delete an organization that has no users, no sub-units and nothing referring to it.
    Otherwise raise ServiceError (deactivate it instead). Audit: ``org.delete``."""
    _require(actor, "accounts.manage_orgunit")
    if org.users.exists():
        raise ServiceError(_("该机构下还有用户，不能删除；请先调整用户所属机构或停用该机构。"), code="org_has_users")
    if org.children.exists():
        raise ServiceError(_("该机构还有下级机构，不能删除。"), code="org_has_children")
    name, code, pk = org.name, org.code, org.pk
    try:
        with transaction.atomic():
            org.delete()
    except (ProtectedError, IntegrityError):
        raise ServiceError(_("该机构已被信访件等数据引用，不能删除；请停用该机构。"), code="org_in_use")
    audit_record(action="org.delete", actor=actor, request=request,
                 summary=_("删除机构 %(name)s") % {"name": name}, data={"code": code, "id": pk})


# --- roles -----------------------------------------------------------------------------------

def check_role_combination(groups):
    """Raise ServiceError if the groups combine two 三员 roles, or a 三员 role with business rights."""
    perm_sets = [_perm_names(g.permissions.select_related("content_type")) for g in groups]
    markers = set()
    for perms in perm_sets:
        markers |= role_rules.admin_classes(perms)
    if len(markers) > 1:
        names = "、".join(str(role_rules.ADMIN_MARKERS[m]) for m in sorted(markers))
        raise ServiceError(
            _("系统管理员、安全管理员、安全审计员三种管理角色不能由同一账号兼任（所选：%(names)s）。") % {"names": names},
            code="admin_roles_combined", field="groups")
    if markers and any(role_rules.has_business_perm(perms) for perms in perm_sets):
        raise ServiceError(_("管理员角色不能与业务角色（登记、分流、办理、统计等）兼任。"),
                           code="admin_with_business", field="groups")


def _check_role_permissions(perm_names):
    """A role edited in the UI is a business role: no administrator-only permission at all."""
    forbidden = role_rules.admin_only_perms(perm_names)
    if forbidden:
        raise ServiceError(_("角色只能包含业务权限；三员管理权限由系统固定，只属于系统管理员、安全管理员、安全审计员三个角色。"),
                           code="role_admin_permission", field="permissions")


def _check_role_editable(actor, role):
    """The three administrator roles are fixed in code; nobody edits a role he holds."""
    if role_rules.is_admin_role(_perm_names(role.permissions.select_related("content_type"))):
        raise ServiceError(_("系统管理员、安全管理员、安全审计员角色的权限由系统固定，不能修改或删除。"),
                           code="role_fixed")
    if actor is not None and actor.groups.filter(pk=role.pk).exists():
        raise ServiceError(_("不能修改本人持有的角色，请由另一名安全管理员操作。"), code="role_own")


@transaction.atomic
def role_save(*, actor, name, permissions, role=None, request=None):
    """Create or update a business role (Group) with exactly ``permissions``.

    Only the 安全管理员 (``accounts.manage_role``). Refuses the three fixed administrator roles,
    a role the actor holds himself, any administrator-only permission, and an edit that would
    give a current member a forbidden combination. Audit: ``role.create`` or ``role.update``
    with the permission diff."""
    _require(actor, "accounts.manage_role")
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("请填写角色名称。"), code="role_name_required", field="name")
    clash = Group.objects.filter(name=name)
    if role is not None:
        clash = clash.exclude(pk=role.pk)
    if clash.exists():
        raise ServiceError(_("角色“%(name)s”已存在。") % {"name": name}, code="role_name_taken", field="name")
    if role is not None:
        _check_role_editable(actor, role)
    permissions = list(permissions)
    new_names = _perm_names(Permission.objects.filter(pk__in=[p.pk for p in permissions]).select_related("content_type"))
    _check_role_permissions(new_names)
    creating = role is None
    if creating:
        role = Group.objects.create(name=name)
        old_names = set()
    else:
        role = Group.objects.select_for_update().get(pk=role.pk)
        _check_role_editable(actor, role)
        old_names = _perm_names(role.permissions.select_related("content_type"))
        role.name = name
        role.save()
    role.permissions.set(permissions)
    if not creating:
        for member in role.user_set.all():
            try:
                check_role_combination(list(member.groups.all()))
            except ServiceError as exc:
                raise ServiceError(
                    _("用户 %(u)s 持有该角色，修改后其角色组合将违反三员分立规定：%(reason)s")
                    % {"u": member.username, "reason": exc.message},
                    code=exc.code, field="permissions")
    audit_record(action="role.create" if creating else "role.update", actor=actor, target=role, request=request,
                 summary=_("保存角色 %(name)s") % {"name": name},
                 data={"added": sorted(new_names - old_names), "removed": sorted(old_names - new_names)})
    return role


@transaction.atomic
def role_delete(*, actor, role, request=None):
    """Delete a business role nobody holds (else ServiceError). Audit: ``role.delete``."""
    _require(actor, "accounts.manage_role")
    role = Group.objects.select_for_update().get(pk=role.pk)
    _check_role_editable(actor, role)
    holders = role.user_set.count()
    if holders:
        raise ServiceError(_("该角色仍有%(n)d名用户持有，不能删除；请先取消这些用户的该角色。") % {"n": holders},
                           code="role_in_use")
    name = role.name
    role.delete()
    audit_record(action="role.delete", actor=actor, request=request, summary=_("删除角色 %(name)s") % {"name": name})


@transaction.atomic
def user_roles_set(*, actor, user, groups, request=None):
    """Give ``user`` exactly the roles ``groups`` (授权). Only the 安全管理员, never on his own
    account; the 三员 combination rule applies. Audit: ``user.roles`` with before and after."""
    _require(actor, "accounts.manage_role")
    if actor is not None and actor.pk == user.pk:
        raise ServiceError(_("不能为本人的账号分配角色，请由另一名安全管理员操作。"), code="roles_own", field="groups")
    user = User.objects.select_for_update().get(pk=user.pk)
    if is_system_account(user):
        raise ServiceError(_("系统账号不能分配角色。"), code="roles_system_account", field="groups")
    groups = list(groups)
    check_role_combination(groups)
    old = sorted(g.name for g in user.groups.all())
    new = sorted(g.name for g in groups)
    if old != new:
        user.groups.set(groups)
        audit_record(action="user.roles", actor=actor, target=user, request=request,
                     summary=_("分配角色 %(u)s") % {"u": user.username}, data={"before": old, "after": new})
    return user


def is_system_account(user):
    """A system account (e.g. the portal's "portal:<org>"): no usable password, locked, no roles."""
    return ":" in user.username


# --- users -----------------------------------------------------------------------------------

def _validate_password(password, user):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError("".join(exc.messages), code="weak_password", field="password")


@transaction.atomic
def user_create(*, actor, username, password, organization, real_name="", phone="", title="",
                email="", request=None):
    """Create an account without roles that must change its password at first login (the
    安全管理员 gives it roles with ``user_roles_set``, so no single administrator makes a working
    business account). Audit: ``user.create``.

    Raises ServiceError for a duplicate username or a weak password."""
    _require(actor, "accounts.manage_user")
    username = (username or "").strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError(_("用户名“%(u)s”已被使用。") % {"u": username}, code="username_taken", field="username")
    cleaned = _person_fields({"real_name": real_name, "phone": phone, "title": title})
    real_name, phone, title = cleaned["real_name"], cleaned["phone"], cleaned["title"]
    user = User(username=username, organization=organization, real_name=real_name, phone=phone, title=title,
                email=email, must_change_password=True)
    _validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    audit_record(action="user.create", actor=actor, target=user, request=request,
                 summary=_("新增用户 %(u)s") % {"u": username},
                 data={"organization": organization.code if organization else None})
    return user


@transaction.atomic
def system_account_ensure(*, username, organization, real_name, permissions=()):
    """The system account ``username`` of ``organization`` (e.g. the portal's "网上信访"), created
    on first use; return a fresh instance (no stale permission cache).

    A system account acts in the trail but can never log in: it has no usable password and is
    locked (``LockAwareModelBackend`` refuses it), and both are restored on every call, so an
    administrator who set a password or unlocked it changes nothing. It holds exactly
    ``permissions`` ("app.codename"), given directly rather than through a role. Audit:
    ``user.system_account`` when it is created."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"organization": organization, "real_name": real_name, "is_locked": True, "is_active": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        perms = [Permission.objects.get(content_type__app_label=name.split(".", 1)[0], codename=name.split(".", 1)[1])
                 for name in permissions]
        user.user_permissions.add(*perms)
        audit_record(action="user.system_account", actor=None, target=user, summary=username,
                     data={"organization": organization.code, "permissions": sorted(permissions)})
    elif (not user.is_locked or user.has_usable_password() or not user.is_active
          or user.organization_id != organization.pk):
        user.set_unusable_password()
        user.is_locked, user.is_active, user.organization = True, True, organization
        user.save(update_fields=["password", "is_locked", "is_active", "organization"])
    return User.objects.select_related("organization").get(pk=user.pk)


@transaction.atomic
def user_update(*, actor, user, request=None, **fields):
    """Update an account's profile fields (roles are ``user_roles_set``'s). Audit: ``user.update``
    with the changes."""
    _require(actor, "accounts.manage_user")
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None and actor.pk == user.pk and fields.get("is_active") is False:
        raise ServiceError(_("不能停用自己的账号。"), code="deactivate_self", field="is_active")
    fields = _person_fields(fields)
    changes = {}
    for name in ("real_name", "phone", "title", "email", "organization", "is_active"):
        if name in fields and getattr(user, name) != fields[name]:
            old, new = getattr(user, name), fields[name]
            changes[name] = [str(old) if old is not None else None, str(new) if new is not None else None]
            setattr(user, name, new)
    if changes:
        user.save()
        audit_record(action="user.update", actor=actor, target=user, request=request,
                     summary=_("修改用户 %(u)s") % {"u": user.username}, data={"changes": changes})
    return user


@transaction.atomic
def user_delete(*, actor, user, request=None):
    """Delete an account nothing in the system names: one created by mistake or never used (no
    login, no case action, registration, assignment, reminder, access-log row, bulletin, file …;
    ``selectors.user_record_kinds``). An account with records is refused with a ServiceError that
    lists them: it is deactivated instead (停用), which keeps its history attributed. Never one's
    own account or a system account. Audit: ``user.delete``."""
    _require(actor, "accounts.manage_user")
    if actor is not None and actor.pk == user.pk:
        raise ServiceError(_("不能删除自己的账号。"), code="delete_self")
    user = User.objects.select_for_update(of=("self",)).select_related("organization").get(pk=user.pk)
    if is_system_account(user):
        raise ServiceError(_("系统账号不能删除。"), code="delete_system_account")
    kinds = user_record_kinds(user)
    refused = _("账号 %(u)s 已有记录（%(kinds)s），不能删除，否则这些记录将失去办理人；请改为停用该账号。")
    if kinds:
        raise ServiceError(refused % {"u": user.username, "kinds": "、".join(kinds)}, code="user_has_records")
    username, pk, org = user.username, user.pk, user.organization.code if user.organization else None
    try:
        with transaction.atomic():
            user.delete()
    except (ProtectedError, IntegrityError):  # a record written since the check above
        raise ServiceError(refused % {"u": username, "kinds": _("新写入的记录")}, code="user_has_records")
    audit_record(action="user.delete", actor=actor, request=request, summary=_("删除用户 %(u)s") % {"u": username},
                 data={"id": pk, "username": username, "organization": org})


@transaction.atomic
def user_set_locked(*, actor, user, locked, request=None):
    """Lock or unlock an account. Unlocking also clears its failed-login counter."""
    _require(actor, "accounts.manage_user")
    if actor is not None and actor.pk == user.pk and locked:
        raise ServiceError(_("不能锁定自己的账号。"), code="lock_self")
    User.objects.filter(pk=user.pk).update(is_locked=locked)
    user.is_locked = locked
    if not locked:
        clear_failures(user.username)
    audit_record(action="user.lock" if locked else "user.unlock", actor=actor, target=user, request=request,
                 summary=(_("锁定用户 %(u)s") if locked else _("解锁用户 %(u)s")) % {"u": user.username})
    return user


@transaction.atomic
def user_reset_password(*, actor, user, password, request=None):
    """Set a temporary password the user must change at next login. Audit: ``user.reset_password``.

    The administrator knows the temporary password, so he could log in as the user: a reset
    therefore takes the account's business roles away (listed in the audit row) and asks the
    安全管理员 to give them back once the holder has set his own password. Administrator roles
    stay: those accounts must use the second factor, which a reset does not touch."""
    _require(actor, "accounts.manage_user")
    if actor is not None and actor.pk == user.pk:
        raise ServiceError(_("不能重置本人的密码，请在个人资料中修改密码。"), code="reset_self")
    _validate_password(password, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    clear_failures(user.username)
    withdrawn = [g for g in user.groups.prefetch_related("permissions__content_type")
                 if not role_rules.is_admin_role(_perm_names(g.permissions.all()))]
    if withdrawn:
        user.groups.remove(*withdrawn)
    audit_record(action="user.reset_password", actor=actor, target=user, request=request,
                 summary=_("重置用户 %(u)s 的密码") % {"u": user.username},
                 data={"roles_withdrawn": sorted(g.name for g in withdrawn)})
    if withdrawn:
        secadmins = User.objects.filter(is_active=True, is_locked=False).filter(perm_q(("accounts.role_secadmin",)))
        title = _("用户 %(u)s 的密码已被重置，其角色（%(roles)s）已暂停，请核实本人后重新分配") % {
            "u": user.username, "roles": "、".join(sorted(g.name for g in withdrawn))}
        transaction.on_commit(lambda: reminders_create(
            user_ids=list(secadmins.distinct().values_list("pk", flat=True)), title=title, topic="accounts.roles",
            target=f"user:{user.pk}"))
    return user


@transaction.atomic
def profile_update(*, user, real_name, phone, email="", request=None):
    """A user edits his own profile. Audit: ``profile.update``."""
    cleaned = _person_fields({"real_name": real_name, "phone": phone})
    real_name, phone = cleaned["real_name"], cleaned["phone"]
    changes = {}
    for name, value in (("real_name", real_name), ("phone", phone), ("email", email)):
        if getattr(user, name) != value:
            changes[name] = True  # no personal values in the audit log
            setattr(user, name, value)
    if changes:
        user.save(update_fields=list(changes))
        audit_record(action="profile.update", actor=user, target=user, request=request,
                     summary=_("修改个人资料"), data={"fields": sorted(changes)})
    return user


@transaction.atomic
def password_change(*, user, old_password, new_password, request=None):
    """A user changes his own password (also the forced first-login change)."""
    if not user.check_password(old_password):
        raise ServiceError(_("原密码不正确。"), code="wrong_old_password", field="old_password")
    if old_password == new_password:
        raise ServiceError(_("新密码不能与原密码相同。"), code="same_password", field="new_password1")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ServiceError("".join(exc.messages), code="weak_password", field="new_password1")
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit_record(action="password.change", actor=user, target=user, request=request, summary=_("修改密码"))
    return user


# --- login events ----------------------------------------------------------------------------

LOGIN_FAILURE_SUMMARIES = {
    "bad_credentials": gettext_lazy("登录失败：用户名或密码错误，或账号已停用、锁定"),
    "account_locked_out": gettext_lazy("登录被拒绝：账号因多次失败已锁定"),
    "address_locked_out": gettext_lazy("登录被拒绝：来源地址因多次失败已锁定"),
    "otp": gettext_lazy("登录失败：动态验证码错误"),
}

LOGOUT_SUMMARIES = {
    "logout": gettext_lazy("退出登录"),
    "idle_timeout": gettext_lazy("长时间未操作，自动退出"),
}


def user_login_record(*, user, request, second_factor=None):
    """Audit a successful login (``login``); ``second_factor`` is "totp" or "recovery" after the code step."""
    audit_record(action="login", actor=user, target=user, request=request, summary=_("登录成功"),
                 data={"second_factor": second_factor} if second_factor else None)


def user_login_failed_record(*, username, request, reason):
    """Audit a failed or refused login (``login.failed``); ``reason`` is a key of LOGIN_FAILURE_SUMMARIES.
    The typed username is kept (it may not exist); the password never is."""
    audit_record(action="login.failed", username=username[:150], request=request, succeeded=False,
                 summary=LOGIN_FAILURE_SUMMARIES.get(reason, gettext_lazy("登录失败")), data={"reason": reason})


def user_logout_record(*, user, request, reason="logout"):
    """Audit a logout (``logout``), by the user or by the idle timeout."""
    audit_record(action="logout", actor=user, target=user, request=request,
                 summary=LOGOUT_SUMMARIES.get(reason, gettext_lazy("退出登录")), data={"reason": reason})


# --- second login factor (TOTP) --------------------------------------------------------------

def _recovery_hashes(codes):
    return [make_password(otp.normalize_code(c)) for c in codes]


def _otp_consume(user, code, *, allow_recovery):
    """On a row locked FOR UPDATE: accept a TOTP code (recording its step, so it cannot be replayed)
    or, if allowed, an unused recovery code (removing it). Returns "totp", "recovery" or None."""
    if not user.otp_enabled or not user.otp_secret:
        return None
    step = otp.verify(otp.unseal(user.otp_secret), code, last_step=user.otp_last_step)
    if step is not None:
        user.otp_last_step = step
        user.save(update_fields=["otp_last_step"])
        return "totp"
    typed = otp.normalize_code(code)
    if allow_recovery and typed and not typed.isdigit():
        for hashed in user.otp_recovery_codes:
            if check_password(typed, hashed):
                user.otp_recovery_codes = [h for h in user.otp_recovery_codes if h != hashed]
                user.save(update_fields=["otp_recovery_codes"])
                return "recovery"
    return None


def _otp_confirm(user, code):
    """A current TOTP code (no recovery code) confirms a change to the user's own second factor."""
    if _otp_consume(user, code, allow_recovery=False) is None:
        raise ServiceError(_("动态验证码不正确。"), code="otp_bad_code", field="code")


@transaction.atomic
def otp_verify(*, user, code):
    """The login's code step: "totp", "recovery" or None. The caller counts and audits a failure
    (it is a login failure); a success is audited as the login itself."""
    user = User.objects.select_for_update().get(pk=user.pk)
    return _otp_consume(user, code, allow_recovery=True)


@transaction.atomic
def otp_enable(*, user, secret, code, request=None):
    """Enrol: store ``secret`` (bytes) sealed once ``code`` proves the authenticator holds it.
    Returns the new recovery codes in plaintext (shown once; only hashes are stored). Audit: ``otp.enable``."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.otp_enabled:
        raise ServiceError(_("已启用两步验证。"), code="otp_already_enabled")
    step = otp.verify(secret, code)
    if step is None:
        raise ServiceError(_("动态验证码不正确，请核对手机时间后重试。"), code="otp_bad_code", field="code")
    codes = otp.new_recovery_codes()
    user.otp_secret = otp.seal(secret)
    user.otp_enabled = True
    user.otp_last_step = step
    user.otp_recovery_codes = _recovery_hashes(codes)
    user.save(update_fields=["otp_secret", "otp_enabled", "otp_last_step", "otp_recovery_codes"])
    audit_record(action="otp.enable", actor=user, target=user, request=request, summary=_("启用两步验证"))
    return codes


def _otp_clear(user):
    user.otp_enabled = False
    user.otp_secret = ""
    user.otp_last_step = None
    user.otp_recovery_codes = []
    user.save(update_fields=["otp_secret", "otp_enabled", "otp_last_step", "otp_recovery_codes"])


@transaction.atomic
def otp_disable(*, user, code, request=None):
    """A user turns the second factor off with a current code; refused when policy requires it.
    Audit: ``otp.disable``."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if otp.otp_required(user):
        raise ServiceError(_("您的角色必须使用两步验证，不能关闭。"), code="otp_required")
    _otp_confirm(user, code)
    _otp_clear(user)
    audit_record(action="otp.disable", actor=user, target=user, request=request, summary=_("关闭两步验证"))
    return user


@transaction.atomic
def otp_recovery_regenerate(*, user, code, request=None):
    """Replace the recovery codes (the old ones stop working) after a current code. Returns the new
    codes in plaintext. Audit: ``otp.recovery_codes``."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _otp_confirm(user, code)
    codes = otp.new_recovery_codes()
    user.otp_recovery_codes = _recovery_hashes(codes)
    user.save(update_fields=["otp_recovery_codes"])
    audit_record(action="otp.recovery_codes", actor=user, target=user, request=request,
                 summary=_("重新生成两步验证恢复码"))
    return codes


@transaction.atomic
def otp_reset(*, actor, user, request=None):
    """The security administrator removes a user's second factor (lost phone); the user enrols
    again at next login if policy requires it. Audit: ``otp.reset``."""
    _require(actor, "accounts.role_secadmin")
    if actor is not None and actor.pk == user.pk:
        raise ServiceError(_("不能重置自己的两步验证，请由另一名安全管理员操作。"), code="otp_reset_self")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.otp_enabled:
        raise ServiceError(_("该用户未启用两步验证。"), code="otp_not_enabled")
    _otp_clear(user)
    audit_record(action="otp.reset", actor=actor, target=user, request=request,
                 summary=_("重置用户 %(u)s 的两步验证") % {"u": user.username})
    return user
