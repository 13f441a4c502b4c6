"""Forms validate input shape only; services apply the rules and write."""
from datetime import timedelta

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgKind, OrgUnit
from accounts.widgets import DateField, TimeField


def form_add_service_error(form, exc, *, formsets=None, default_field=None):
    """Show a service's refusal (``accounts.exceptions.ServiceError`` or any ``ValidationError``)
    on a bound form: each message next to the field it names when the form has that field,
    otherwise above the form. ``formsets`` maps a key prefix to a formset: a key
    ``"<prefix>.<row>.<field>"`` goes to that row's field, ``"<prefix>"`` alone above the formset.
    Messages that name no field go next to ``default_field`` when given (an upload's checks)."""
    formsets = formsets or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(default_field if default_field in form.fields else None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        prefix, _dot, rest = key.partition(".")
        formset = formsets.get(prefix)
        if formset is not None:
            rows = getattr(formset, "persons", None) or formset.forms
            index, _dot, name = rest.partition(".")
            if index.isdigit() and int(index) < len(rows):
                row = rows[int(index)]
                row.add_error(name if name in row.fields else None, messages)
            else:
                formset._non_form_errors = formset.error_class(
                    list(formset.non_form_errors()) + list(messages))
            continue
        name = key.rsplit(".", 1)[-1] if rest else key  # a row key without its formset: the form's field
        form.add_error(name if name in form.fields else None, messages)


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class OtpCodeForm(forms.Form):
    code = forms.CharField(label=_("动态验证码"), max_length=20, strip=True,
                           help_text=_("身份验证器中显示的6位数字；手机不在身边时可输入一个恢复码。"),
                           widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code",
                                                         "inputmode": "numeric"}))


class OtpConfirmForm(forms.Form):
    code = forms.CharField(label=_("动态验证码"), max_length=20, strip=True,
                           help_text=_("身份验证器中当前显示的6位数字。"),
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("原密码"), strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password", "autofocus": True}))
    new_password1 = forms.CharField(label=_("新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                    help_text=_("至少10位，包含大写字母、小写字母、数字、特殊符号中的至少3类。"))
    new_password2 = forms.CharField(label=_("确认新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class ProfileForm(forms.Form):
    real_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    email = forms.EmailField(label=_("电子邮件"), required=False)


class QuickSelect(forms.Select):
    """A native <select> rendered in Python rather than one template include per <option>.

    Same markup as Django's Select; an entry form has ~700 options (five person blocks of
    民族/文化程度/政治面貌, the region and organization lists), which the template renderer
    takes most of a second to produce."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = [
            format_html('<option value="{}"{}>{}</option>', option["value"], flatatt(option["attrs"]), option["label"])
            for _group, choices, _index in widget["optgroups"] for option in choices
        ]
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]),
                           mark_safe("".join(options)))


class OrgSelect(QuickSelect):
    """A QuickSelect whose options carry the organization's code (``data-code``) for the search."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-code"] = instance.code
        return option


class OrgChoiceField(forms.ModelChoiceField):
    """An organization picked from a list: in tree order, labelled by its name the same way on every
    screen, searchable by any part of the name or by the code (static/js/select-search.js)."""

    def __init__(self, queryset=None, **kwargs):
        kwargs.setdefault("widget", OrgSelect(attrs={"class": "js-searchable"}))
        super().__init__(queryset=OrgUnit.objects.none() if queryset is None else queryset, **kwargs)

    def label_from_instance(self, obj):
        return obj.name


def role_queryset():
    return Group.objects.order_by("name")


class UserForm(forms.Form):
    username = forms.RegexField(label=_("用户名"), max_length=150, regex=r"^[A-Za-z0-9_.@+-]+$",
                                error_messages={"invalid": _("用户名只能包含字母、数字和 _ . @ + -。")})
    real_name = forms.CharField(label=_("姓名"), max_length=50)
    organization = OrgChoiceField(label=_("所属机构"), queryset=OrgUnit.objects.filter(is_active=True))
    title = forms.CharField(label=_("职务"), max_length=50, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    email = forms.EmailField(label=_("电子邮件"), required=False)
    password = forms.CharField(label=_("初始密码"), strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}),
        help_text=_("至少10位，包含大写字母、小写字母、数字、特殊符号中的至少3类；用户首次登录时须修改。"))

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["password"]
            self.fields["username"].disabled = True
            self.fields["is_active"] = forms.BooleanField(label=_("启用"), required=False)


class ResetPasswordForm(forms.Form):
    password = forms.CharField(label=_("临时密码"), strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}),
        help_text=_("至少10位，包含大写字母、小写字母、数字、特殊符号中的至少3类；用户下次登录时须修改。"))


def _custom_permission_labels(app_labels):
    """{"app.codename": translatable label} of the custom rights the apps declare (Meta.permissions)."""
    from django.apps import apps

    labels = {}
    for label in app_labels:
        for model in apps.get_app_config(label).get_models():
            for codename, name in model._meta.permissions:
                labels[f"{label}.{codename}"] = name
    return labels


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    labels = {}

    def label_from_instance(self, obj):
        # The right's own (translated) name, never "app.codename".
        return self.labels.get(f"{obj.content_type.app_label}.{obj.codename}", obj.name)


def assignable_permissions():
    """Permissions a business role may hold: the custom rights the business apps declare; the
    administrator-only rights belong to the three fixed roles (``accounts.roles``)."""
    from accounts.roles import ADMIN_PERMISSIONS, BUSINESS_APPS

    wanted = [name for name in _custom_permission_labels(BUSINESS_APPS) if name not in ADMIN_PERMISSIONS]
    q = Q(pk__in=[])
    for name in wanted:
        app_label, codename = name.split(".", 1)
        q |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.select_related("content_type").filter(q).order_by("content_type__app_label", "id")


class UserRolesForm(forms.Form):
    groups = forms.ModelMultipleChoiceField(label=_("角色"), queryset=Group.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = role_queryset()


class RoleForm(forms.Form):
    name = forms.CharField(label=_("角色名称"), max_length=150)
    permissions = PermissionChoiceField(label=_("权限"), queryset=Permission.objects.none(), required=False,
                                        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        from accounts.roles import BUSINESS_APPS

        super().__init__(*args, **kwargs)
        self.fields["permissions"].queryset = assignable_permissions()
        self.fields["permissions"].labels = _custom_permission_labels(BUSINESS_APPS)


class OrgForm(forms.Form):
    code = forms.RegexField(label=_("机构代码"), max_length=20, regex=r"^[0-9A-Za-z]+$",
                            error_messages={"invalid": _("机构代码只能包含数字和字母。")})
    name = forms.CharField(label=_("名称"), max_length=100)
    short_name = forms.CharField(label=_("简称"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=OrgKind.choices)
    parent = OrgChoiceField(label=_("上级机构"), queryset=OrgUnit.objects.all(), required=False)
    division_code = forms.CharField(label=_("行政区划代码"), max_length=12, required=False)
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["parent"].disabled = True


class AuditFilterForm(forms.Form):
    date_from = DateField(label=_("起始日期"), required=False)
    date_to = DateField(label=_("截止日期"), required=False)
    username = forms.CharField(label=_("账号"), required=False, max_length=150)
    action = forms.CharField(label=_("事件"), required=False, max_length=50)
    succeeded = forms.ChoiceField(label=_("结果"), required=False,
                                  choices=[("", _("全部")), ("1", _("成功")), ("0", _("失败"))])


class AccessLogFilterForm(forms.Form):
    """个人信息查看记录: who opened whose personal data, when and from where (accounts.audit.access_log_search)."""

    username = forms.CharField(label=_("查看人账号"), required=False, max_length=150)
    subject = forms.CharField(label=_("信访件编号"), required=False, max_length=50,
                              help_text=_("可只输入开头部分，如机构代码和年份。"))
    person = forms.CharField(label=_("信访人姓名"), required=False, max_length=50,
                             help_text=_("须输入完整姓名；按姓名查询的事实记入审计日志。"))
    ip_address = forms.RegexField(label=_("来源地址"), required=False, max_length=45, regex=r"^[0-9A-Fa-f:.]+$",
                                  help_text=_("完整地址，或其开头部分。"))
    date_from = DateField(label=_("起始日期"), required=False)
    date_to = DateField(label=_("截止日期"), required=False)




class TaskForm(forms.Form):
    """任务管理: one personal task."""

    title = forms.CharField(label=_("任务内容"), max_length=200)
    due_date = DateField(label=_("完成期限"), required=False)
    remind_date = DateField(label=_("提醒日期"), required=False,
                            help_text=_("到提醒时间后，任务列在首页“我的提醒”中，直到完成"))
    remind_time = TimeField(label=_("提醒时间"), required=False, help_text=_("不填为当天 09:00"))
    body = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TaskDaysForm(forms.Form):
    """任务管理 按日期查看: the days shown (GET); from today to 30 days on unless chosen."""

    DEFAULT_DAYS = 30
    MAX_DAYS = 366

    start = DateField(label=_("起始日期"), required=False)
    end = DateField(label=_("截止日期"), required=False)
    done = forms.BooleanField(label=_("含已完成"), required=False)

    def __init__(self, data=None, *, today, **kwargs):
        self.today = today
        if not data:  # first visit: the default period, shown in the inputs
            data = {"start": today.isoformat(), "end": (today + timedelta(days=self.DEFAULT_DAYS)).isoformat()}
        super().__init__(data, **kwargs)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start = data["start"] = data.get("start") or self.today
        end = data["end"] = data.get("end") or start + timedelta(days=self.DEFAULT_DAYS)
        if end < start:
            self.add_error("end", _("截止日期不能早于起始日期。"))
        elif (end - start).days > self.MAX_DAYS:
            self.add_error("end", _("日期范围不能超过一年。"))
        return data
