"""HTTP in, service call, HTTP out. No business rules here."""
import secrets
import time as clock
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings

from django.contrib import messages
from django.contrib.auth import login, logout, authenticate, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.auth.models import Group
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import otp
from accounts import replica
from accounts import reminders as reminder_services
from accounts import services
from accounts.audit import access_log_model, access_log_search, access_log_search_record, client_ip
from accounts.dashboard import home_context
from accounts.exceptions import ServiceError
from accounts.middleware import LOGIN_AT_KEY
from accounts.forms import (
    AccessLogFilterForm, AuditFilterForm, LoginForm, OrgForm, OtpCodeForm, OtpConfirmForm, PasswordChangeForm,
    ProfileForm,
    ResetPasswordForm, RoleForm, TaskDaysForm, TaskForm, UserForm, UserRolesForm, form_add_service_error,
)
from accounts.models import AuditLog, User
from accounts.security import ip_locked_until, record_attempt, remaining_attempts, username_locked_until
from accounts.selectors import org_get_visible, org_visible_qs, user_get_visible, user_visible_qs


def _crumbs(*items):
    """Breadcrumbs after 首页: (label, url name or None) pairs."""
    return [(label, reverse(name) if name else None) for label, name in items]


# --- login -----------------------------------------------------------------------------------

def _locked_message(*, account_until, ip_until):
    if account_until is not None:
        return _("登录失败次数过多，账号已被锁定，请于%(time)s后再试，或联系系统管理员解锁。") % {
            "time": timezone.localtime(account_until).strftime("%H:%M")}
    return _("该地址登录失败次数过多，已暂停从此地址登录，请于%(time)s后再试。") % {
        "time": timezone.localtime(ip_until).strftime("%H:%M")}


def _locks(username, ip):
    """``(account_until, ip_until)``: the ends of the account's and the address's locks, each None if none."""
    return username_locked_until(username), ip_locked_until(ip)


def _record_refused(request, username, *, account_until):
    """Audit an attempt refused because of a lock (not counted: the lock does not grow)."""
    services.user_login_failed_record(username=username, request=request,
                                      reason="account_locked_out" if account_until else "address_locked_out")


def _record_failure(request, username, ip, *, reason):
    """Count and audit a wrong password or code; return the locks now in force (``_locks``)."""
    with transaction.atomic():
        record_attempt(username=username, ip=ip, succeeded=False)
        services.user_login_failed_record(username=username, request=request, reason=reason)
    return _locks(username, ip)


def _record_success(request, user, ip, **audit):
    with transaction.atomic():
        record_attempt(username=user.username, ip=ip, succeeded=True)
        services.user_login_record(user=user, request=request, **audit)


@login_not_required
def login_view(request):
    """Chinese login page with lockout per account and per source address; every attempt is audited."""
    if request.user.is_authenticated and request.method == "GET":
        return redirect("home")
    form = LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        ip = client_ip(request)
        account_until, ip_until = _locks(username, ip)
        if account_until is not None or ip_until is not None:
            # Refused without checking the password; audited but not counted (the lock does not grow).
            _record_refused(request, username, account_until=account_until)
            form.add_error(None, _locked_message(account_until=account_until, ip_until=ip_until))
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                account_until, ip_until = _record_failure(request, username, ip, reason="bad_credentials")
                if account_until is not None or ip_until is not None:
                    form.add_error(None, _locked_message(account_until=account_until, ip_until=ip_until))
                else:
                    form.add_error(None, _("用户名或密码错误，或账号已被停用、锁定。还可尝试%(n)d次。") % {
                        "n": remaining_attempts(username, ip)})
            elif user.otp_enabled:
                # The password was right; the session stays anonymous until the code step succeeds.
                request.session.cycle_key()
                request.session[OTP_PENDING_KEY] = {"uid": user.pk, "backend": user.backend, "next": next_url,
                                                    "at": int(clock.time())}
                return redirect("accounts:login_otp")
            else:
                _record_success(request, user, ip)
                login(request, user)
                return _after_login(request, user, next_url)
    return render(request, "registration/login.html", {"form": form, "next": next_url})


OTP_PENDING_KEY = "_otp_pending"
OTP_SETUP_KEY = "_otp_setup"


def _after_login(request, user, next_url):
    request.session[LOGIN_AT_KEY] = int(clock.time())  # the absolute session limit counts from here
    if user.must_change_password:
        messages.info(request, _("首次登录或密码已被重置，请先修改密码。"))
        return redirect("accounts:password_change")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()},
                                                   require_https=request.is_secure()):
        return redirect(next_url)
    return redirect("home")


def _pending_user(request):
    """The user who passed the password step in this session, or None (none, expired, or since locked)."""
    pending = request.session.get(OTP_PENDING_KEY)
    if not pending or clock.time() - pending.get("at", 0) > settings.OTP_PENDING_SECONDS:
        return None
    return User.objects.filter(pk=pending["uid"], is_active=True, is_locked=False, otp_enabled=True).first()


@login_not_required
def login_otp(request):
    """Second login step: the 6-digit TOTP code or a recovery code. Wrong codes count toward the
    same lockout as wrong passwords and are audited as ``login.failed`` (reason ``otp``)."""
    user = _pending_user(request)
    if user is None:
        request.session.pop(OTP_PENDING_KEY, None)
        messages.error(request, _("登录验证已超时，请重新输入用户名和密码。"))
        return redirect("accounts:login")
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        account_until, ip_until = _locks(user.username, ip)
        if account_until is None and ip_until is None:
            method = services.otp_verify(user=user, code=form.cleaned_data["code"])
            if method is not None:
                pending = request.session.pop(OTP_PENDING_KEY)
                _record_success(request, user, ip, second_factor=method)
                login(request, user, backend=pending["backend"])
                if method == "recovery":
                    messages.warning(request, _("您使用了一个恢复码登录，还剩%(n)d个；请尽快在个人资料中重新生成。")
                                     % {"n": len(User.objects.get(pk=user.pk).otp_recovery_codes)})
                return _after_login(request, user, pending["next"])
            account_until, ip_until = _record_failure(request, user.username, ip, reason="otp")
        else:
            _record_refused(request, user.username, account_until=account_until)
        if account_until is not None or ip_until is not None:
            request.session.pop(OTP_PENDING_KEY, None)
            messages.error(request, _locked_message(account_until=account_until, ip_until=ip_until))
            return redirect("accounts:login")
        form.add_error("code", _("动态验证码错误。还可尝试%(n)d次。") % {"n": remaining_attempts(user.username, ip)})
    return render(request, "registration/login_otp.html", {"form": form})


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        services.user_logout_record(user=request.user, request=request)
    logout(request)
    messages.success(request, _("您已安全退出。"))
    return redirect("accounts:login")


def home(request):
    return render(request, "home.html", home_context(request.user, request))


# --- own profile -----------------------------------------------------------------------------

def profile(request):
    user = request.user
    form = ProfileForm(request.POST or None, initial={"real_name": user.real_name, "phone": user.phone,
                                                      "email": user.email})
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=user, request=request, **form.cleaned_data)
        messages.success(request, _("个人资料已保存。"))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {
        "form": form, "otp_form": OtpConfirmForm(), "otp_required": otp.otp_required(user),
        "breadcrumbs": _crumbs((_("个人资料"), None))})


# --- own second factor -----------------------------------------------------------------------

def otp_setup(request):
    """Enrolment: show a new secret (and its otpauth:// link), confirm it with a current code, then
    show the recovery codes once. Users whom policy obliges are sent here by the middleware."""
    user = request.user
    if user.otp_enabled:
        return redirect("accounts:profile")
    token = request.session.get(OTP_SETUP_KEY)
    if token is None:
        token = request.session[OTP_SETUP_KEY] = otp.seal(otp.new_secret())  # the session row holds it sealed too
    secret = otp.unseal(token)
    form = OtpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.otp_enable(user=user, secret=secret, code=form.cleaned_data["code"], request=request)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            request.session.pop(OTP_SETUP_KEY, None)
            messages.success(request, _("两步验证已启用。"))
            return render(request, "accounts/otp_codes.html", {"codes": codes})
    return render(request, "accounts/otp_setup.html", {
        "form": form, "secret": otp.b32_grouped(secret), "required": otp.otp_required(user),
        "uri": otp.provisioning_uri(secret, account=user.username, issuer=settings.OTP_ISSUER),
        "breadcrumbs": _crumbs((_("个人资料"), "accounts:profile"), (_("两步验证"), None))})


@require_POST
def otp_disable(request):
    form = OtpConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.otp_disable(user=request.user, code=form.cleaned_data["code"], request=request)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("两步验证已关闭。"))
    else:
        messages.error(request, _("请输入动态验证码。"))
    return redirect("accounts:profile")


@require_POST
def otp_recovery_codes(request):
    form = OtpConfirmForm(request.POST)
    if form.is_valid():
        try:
            codes = services.otp_recovery_regenerate(user=request.user, code=form.cleaned_data["code"],
                                                     request=request)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已生成新的恢复码，原恢复码作废。"))
            return render(request, "accounts/otp_codes.html", {"codes": codes})
    else:
        messages.error(request, _("请输入动态验证码。"))
    return redirect("accounts:profile")


def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(user=request.user, old_password=form.cleaned_data["old_password"],
                                     new_password=form.cleaned_data["new_password1"], request=request)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("home")
    return render(request, "accounts/password_change.html", {
        "form": form, "breadcrumbs": _crumbs((_("个人资料"), "accounts:profile"), (_("修改密码"), None))})


# --- users -----------------------------------------------------------------------------------

def _user_search(qs, q):
    """Users whose username or real name contains ``q`` (all of ``qs`` when ``q`` is empty)."""
    return qs.filter(Q(username__icontains=q) | Q(real_name__icontains=q)) if q else qs


@permission_required("accounts.manage_user", raise_exception=True)
def user_list(request):
    q = request.GET.get("q", "").strip()
    qs = _user_search(user_visible_qs(request.user).select_related("organization").prefetch_related("groups"), q)
    page = Paginator(qs.order_by("organization__path", "username"), 30).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "q": q,
                                                       "breadcrumbs": _crumbs((_("用户管理"), None))})


@permission_required("accounts.manage_user", raise_exception=True)
def user_create(request):
    form = UserForm(request.POST or None)
    form.fields["organization"].queryset = org_visible_qs(request.user).filter(is_active=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(actor=request.user, request=request, username=data["username"],
                                        password=data["password"], organization=data["organization"],
                                        real_name=data["real_name"], phone=data["phone"],
                                        title=data["title"], email=data["email"])
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("用户 %(u)s 已创建，首次登录须修改密码；请安全管理员为其分配角色。") % {
                "u": user.username})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {
        "form": form, "creating": True,
        "breadcrumbs": _crumbs((_("用户管理"), "accounts:user_list"), (_("新增用户"), None))})


@permission_required("accounts.manage_user", raise_exception=True)
def user_edit(request, pk):
    target = user_get_visible(request.user, pk)
    initial = {"username": target.username, "real_name": target.real_name, "organization": target.organization,
               "title": target.title, "phone": target.phone, "email": target.email, "is_active": target.is_active}
    form = UserForm(request.POST or None, initial=initial, editing=True)
    form.fields["organization"].queryset = org_visible_qs(request.user).filter(is_active=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(actor=request.user, user=target, request=request,
                                 real_name=data["real_name"], organization=data["organization"],
                                 title=data["title"], phone=data["phone"], email=data["email"],
                                 is_active=data["is_active"])
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("用户 %(u)s 已保存。") % {"u": target.username})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {
        "form": form, "target": target, "reset_form": ResetPasswordForm(),
        "target_roles": [g.name for g in target.groups.all()],
        "failure_locked_until": username_locked_until(target.username),
        "breadcrumbs": _crumbs((_("用户管理"), "accounts:user_list"), (target.username, None))})


@require_POST
@permission_required("accounts.manage_user", raise_exception=True)
def user_lock(request, pk):
    target = user_get_visible(request.user, pk)
    locked = request.POST.get("locked") == "1"
    try:
        services.user_set_locked(actor=request.user, user=target, locked=locked, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, (_("已锁定用户 %(u)s。") if locked else _("已解锁用户 %(u)s。")) % {"u": target.username})
    return redirect("accounts:user_edit", pk=target.pk)


@require_POST
@permission_required("accounts.manage_user", raise_exception=True)
def user_active(request, pk):
    """停用 / 重新启用 an account (the way to retire one that has records)."""
    target = user_get_visible(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_update(actor=request.user, user=target, request=request, is_active=active)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, (_("已启用用户 %(u)s。") if active else _("已停用用户 %(u)s，该账号不能再登录。")) % {
            "u": target.username})
    return redirect("accounts:user_edit", pk=target.pk)


@require_POST
@permission_required("accounts.manage_user", raise_exception=True)
def user_delete(request, pk):
    """删除 an account that has no records; otherwise the refusal says to deactivate it."""
    target = user_get_visible(request.user, pk)
    try:
        services.user_delete(actor=request.user, user=target, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:user_edit", pk=target.pk)
    messages.success(request, _("已删除用户 %(u)s。") % {"u": target.username})
    return redirect("accounts:user_list")


@require_POST
@permission_required("accounts.manage_user", raise_exception=True)
def user_reset_password(request, pk):
    target = user_get_visible(request.user, pk)
    form = ResetPasswordForm(request.POST)
    if form.is_valid():
        try:
            services.user_reset_password(actor=request.user, user=target, password=form.cleaned_data["password"],
                                         request=request)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已重置用户 %(u)s 的密码，下次登录须修改。") % {"u": target.username})
    else:
        messages.error(request, _("请填写临时密码。"))
    return redirect("accounts:user_edit", pk=target.pk)


@permission_required("accounts.role_secadmin", raise_exception=True)
def otp_user_list(request):
    """安全管理员: who uses two-factor login, with a reset for a lost phone."""
    q = request.GET.get("q", "").strip()
    qs = _user_search(user_visible_qs(request.user).select_related("organization"), q)
    page = Paginator(qs.order_by("-otp_enabled", "username"), 30).get_page(request.GET.get("page"))
    return render(request, "accounts/otp_users.html", {"page": page, "q": q,
                                                       "breadcrumbs": _crumbs((_("两步验证管理"), None))})


@require_POST
@permission_required("accounts.role_secadmin", raise_exception=True)
def otp_reset(request, pk):
    target = user_get_visible(request.user, pk)
    try:
        services.otp_reset(actor=request.user, user=target, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重置用户 %(u)s 的两步验证。") % {"u": target.username})
    return redirect("accounts:otp_users")


# --- roles and their holders (安全管理员) -------------------------------------------------------------

def _role_rows():
    from accounts.forms import _custom_permission_labels
    from accounts.roles import ADMIN_MARKERS, BUSINESS_APPS

    labels = _custom_permission_labels(("accounts", *BUSINESS_APPS))
    roles = Group.objects.order_by("name").prefetch_related("permissions__content_type").annotate(
        holders=Count("user", distinct=True))
    for role in roles:
        names = [f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all()]
        role.fixed = any(n in ADMIN_MARKERS for n in names)
        role.permission_labels = [labels.get(n, n) for n in names]
    return roles


@permission_required("accounts.manage_role", raise_exception=True)
def role_list(request):
    return render(request, "accounts/role_list.html", {"roles": _role_rows(),
                                                       "breadcrumbs": _crumbs((_("角色管理"), None))})


@permission_required("accounts.manage_role", raise_exception=True)
def role_edit(request, pk=None):
    role = get_object_or_404(Group, pk=pk) if pk else None
    row = next((r for r in _role_rows() if r.pk == role.pk), None) if role else None
    if row is not None and row.fixed:
        return render(request, "accounts/role_form.html", {
            "role": role, "fixed": True, "fixed_permissions": row.permission_labels,
            "breadcrumbs": _crumbs((_("角色管理"), "accounts:role_list"), (role.name, None))})
    initial = {"name": role.name, "permissions": list(role.permissions.all())} if role else {}
    form = RoleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.role_save(actor=request.user, role=role, name=form.cleaned_data["name"],
                                      permissions=form.cleaned_data["permissions"], request=request)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("角色 %(n)s 已保存。") % {"n": role.name})
            return redirect("accounts:role_list")
    return render(request, "accounts/role_form.html", {
        "form": form, "role": role, "holders": row.holders if row else 0,
        "breadcrumbs": _crumbs((_("角色管理"), "accounts:role_list"), (role.name if role else _("新增角色"), None))})


@require_POST
@permission_required("accounts.manage_role", raise_exception=True)
def role_delete(request, pk):
    role = get_object_or_404(Group, pk=pk)
    try:
        services.role_delete(actor=request.user, role=role, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:role_edit", pk=role.pk)
    messages.success(request, _("角色已删除。"))
    return redirect("accounts:role_list")


@permission_required("accounts.manage_role", raise_exception=True)
def user_roles_list(request):
    """用户授权: which users hold which roles; the 安全管理员 assigns them."""
    q = request.GET.get("q", "").strip()
    qs = _user_search(user_visible_qs(request.user).exclude(username__contains=":")
                      .select_related("organization").prefetch_related("groups"), q)
    page = Paginator(qs.order_by("organization__path", "username"), 30).get_page(request.GET.get("page"))
    return render(request, "accounts/user_roles.html", {"page": page, "q": q,
                                                        "breadcrumbs": _crumbs((_("用户授权"), None))})


@permission_required("accounts.manage_role", raise_exception=True)
def user_roles_edit(request, pk):
    target = user_get_visible(request.user, pk)
    form = UserRolesForm(request.POST or None, initial={"groups": list(target.groups.all())})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_roles_set(actor=request.user, user=target, groups=form.cleaned_data["groups"],
                                    request=request)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("已为用户 %(u)s 分配角色。") % {"u": target.username})
            return redirect("accounts:user_roles_list")
    return render(request, "accounts/user_roles_form.html", {
        "form": form, "target": target,
        "breadcrumbs": _crumbs((_("用户授权"), "accounts:user_roles_list"), (target.username, None))})


# --- system health ---------------------------------------------------------------------------

@permission_required("accounts.role_sysadmin", raise_exception=True)
def system_health(request):
    """The databases as the system administrator watches them: the primary, the standby's lag, and where
    reports and search read now (docs/replica.md)."""
    standby = replica.health()
    return render(request, "accounts/system_health.html", {
        "primary": replica.primary_summary(), "replica_configured": replica.configured(), "standby": standby,
        "reads_on_standby": standby.usable, "reason": standby.reason, "max_lag": settings.REPLICA_MAX_LAG_SECONDS,
        "breadcrumbs": _crumbs((_("运行状态"), None))})


# --- organizations ---------------------------------------------------------------------------

@permission_required("accounts.manage_orgunit", raise_exception=True)
def org_list(request):
    orgs = org_visible_qs(request.user).select_related("parent")
    return render(request, "accounts/org_list.html", {"orgs": orgs, "breadcrumbs": _crumbs((_("机构管理"), None))})


@permission_required("accounts.manage_orgunit", raise_exception=True)
def org_edit(request, pk=None):
    org = org_get_visible(request.user, pk) if pk else None
    initial = {}
    if org:
        initial = {f: getattr(org, f) for f in ("code", "name", "short_name", "kind", "parent", "division_code",
                                                "sort_order", "is_active")}
    elif request.GET.get("parent"):
        initial = {"parent": request.GET["parent"]}
    form = OrgForm(request.POST or None, initial=initial, editing=org is not None)
    form.fields["parent"].queryset = org_visible_qs(request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if org:
                data.pop("parent", None)
                services.org_update(actor=request.user, org=org, request=request, **data)
            else:
                org = services.org_create(actor=request.user, request=request, **data)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("机构 %(n)s 已保存。") % {"n": org.name})
            return redirect("accounts:org_list")
    return render(request, "accounts/org_form.html", {
        "form": form, "org": org,
        "breadcrumbs": _crumbs((_("机构管理"), "accounts:org_list"), (org.name if org else _("新增机构"), None))})


@require_POST
@permission_required("accounts.manage_orgunit", raise_exception=True)
def org_delete(request, pk):
    org = org_get_visible(request.user, pk)
    try:
        services.org_delete(actor=request.user, org=org, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:org_edit", pk=org.pk)
    messages.success(request, _("机构已删除。"))
    return redirect("accounts:org_list")


# --- audit -----------------------------------------------------------------------------------

@permission_required("accounts.view_audit", raise_exception=True)
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    qs = AuditLog.objects.all()
    if form.is_valid():
        data = form.cleaned_data
        tz = timezone.get_current_timezone()
        if data["date_from"]:
            qs = qs.filter(created_at__gte=datetime.combine(data["date_from"], time.min, tz))
        if data["date_to"]:
            qs = qs.filter(created_at__lt=datetime.combine(data["date_to"] + timedelta(days=1), time.min, tz))
        if data["username"]:
            qs = qs.filter(actor_username__iexact=data["username"])
        if data["action"]:
            qs = qs.filter(action__startswith=data["action"])
        if data["succeeded"] in ("0", "1"):
            qs = qs.filter(succeeded=data["succeeded"] == "1")
    page = Paginator(qs.order_by("-id"), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_list.html", {"form": form, "page": page,
                                                        "breadcrumbs": _crumbs((_("审计日志"), None))})


ACCESS_LOG_SEARCHES = "accounts.access_log_searches"  # session: {key: criteria} of this session's searches


@permission_required("accounts.view_audit", raise_exception=True)
def access_log_list(request):
    """个人信息查看记录: the 安全审计员 searches the access log (who, whose data, when, from where).

    Criteria are posted, never put in the address (a petitioner's name is personal data): a valid
    search is audited once (``audit.access_search``), kept in the session and shown at ``?s=<key>``."""
    model = access_log_model()
    if model is None:
        raise Http404
    saved = request.session.get(ACCESS_LOG_SEARCHES) or {}
    if request.method == "POST":
        form = AccessLogFilterForm(request.POST)
        if form.is_valid():
            criteria = {name: value for name, value in request.POST.items() if name in form.fields}
            if any(form.cleaned_data.values()):
                access_log_search_record(actor=request.user, request=request, criteria=form.cleaned_data)
            key = secrets.token_urlsafe(8)
            request.session[ACCESS_LOG_SEARCHES] = {**dict(list(saved.items())[-9:]), key: criteria}
            return redirect(f"{reverse('accounts:access_log')}?{urlencode({'s': key})}")
        qs = model.objects.none()
    else:
        criteria = saved.get(request.GET.get("s", ""))
        form = AccessLogFilterForm(criteria)
        qs = access_log_search(model, **form.cleaned_data) if criteria and form.is_valid() else access_log_search(model)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/access_log.html", {
        "form": form, "page": page, "subject_label": model._meta.get_field("subject").verbose_name,
        "breadcrumbs": _crumbs((_("审计日志"), "accounts:audit_list"), (_("个人信息查看记录"), None))})




# --- 任务管理 / 提醒 -----------------------------------------------------------------------------

def reminder_list(request):
    """任务管理: the user's open tasks (with a form to add one), done tasks, and notifications."""
    user = request.user
    form = TaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reminder_services.task_save(user=user, **form.cleaned_data)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("任务已添加。"))
            return redirect("accounts:reminders")
    notices = Paginator(reminder_services.notices(user), 30).get_page(request.GET.get("page"))
    notices.object_list = reminder_services.notice_rows(list(notices.object_list))
    return render(request, "accounts/reminders.html", {
        "form": form, "tasks": reminder_services.task_rows(list(reminder_services.open_tasks(user)[:200]),
                                                           timezone.localdate()),
        "done": list(reminder_services.done_tasks(user)[:20]), "page": notices,
        "unread": reminder_services.notices(user).filter(is_read=False).count(),
        "page_title": _("任务管理"),
    })


def task_edit(request, pk):
    user = request.user
    task = reminder_services.task_get_own(user, pk)
    remind = timezone.localtime(task.remind_at) if task.remind_at else None
    initial = {"title": task.title, "body": task.body,
               "due_date": timezone.localdate(task.due_at) if task.due_at else None,
               "remind_date": remind.date() if remind else None, "remind_time": remind.time() if remind else None}
    form = TaskForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reminder_services.task_save(user=user, task=task, **form.cleaned_data)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("任务已保存。"))
            return redirect("accounts:reminders")
    return render(request, "accounts/task_form.html", {"form": form, "task": task, "page_title": _("修改任务")})


def task_days(request):
    """任务管理 按日期查看: the user's tasks grouped by their deadline's day, for a chosen period."""
    form = TaskDaysForm(request.GET, today=timezone.localdate())
    days, undated, earlier = [], [], 0
    if form.is_valid():
        data = form.cleaned_data
        days, undated, earlier = reminder_services.tasks_by_day(
            request.user, start=data["start"], end=data["end"], include_done=data["done"])
    return render(request, "accounts/task_days.html", {
        "form": form, "days": days, "undated": undated, "earlier": earlier, "today": timezone.localdate(),
        "page_title": _("按日期查看任务"),
        "breadcrumbs": _crumbs((_("任务管理"), "accounts:reminders"), (_("按日期查看"), None))})


@require_POST
def task_done(request, pk):
    task = reminder_services.reminder_get_own(request.user, pk)
    reminder_services.task_set_done(user=request.user, task=task, done=request.POST.get("done") != "0")
    return redirect("accounts:reminders")


@require_POST
def task_delete(request, pk):
    task = reminder_services.reminder_get_own(request.user, pk)
    reminder_services.task_delete(user=request.user, task=task)
    messages.success(request, _("任务已删除。"))
    return redirect("accounts:reminders")


@require_POST
def notice_read(request, pk=None):
    notice = reminder_services.reminder_get_own(request.user, pk) if pk is not None else None
    reminder_services.notice_mark_read(user=request.user, notice=notice)
    next_url = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("accounts:reminders")


def notice_open(request, pk):
    """Follow a notification's link and mark it read."""
    notice = reminder_services.reminder_get_own(request.user, pk)
    reminder_services.notice_mark_read(user=request.user, notice=notice)
    return redirect(reminder_services.safe_target(notice, request) or reverse("accounts:reminders"))
