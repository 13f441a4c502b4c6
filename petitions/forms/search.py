"""The 信访查询 and 办结存档 forms (input shape only; the query is ``petitions.selectors.search``)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.selectors import org_scope_choices
from accounts.widgets import DateField
from petitions.forms.intake import DictChoiceField
from petitions.models import Channel, DictEntry, DictKind, MatterClass
from petitions.selectors.search import ARCHIVE_STATUSES, MAX_QUERY_LENGTH, MAX_TERMS, SORT_CHOICES, YES_NO
from petitions.workflow import Status


class CaseSearchForm(forms.Form):
    """The 信访查询 form (GET). Empty fields are not applied."""

    number = forms.CharField(label=_("信访件编号"), required=False, max_length=40)
    name = forms.CharField(label=_("信访人姓名"), required=False, max_length=50)
    id_number = forms.CharField(label=_("身份证号"), required=False, max_length=30,
                                help_text=_("完整号码，精确匹配"))
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=30)
    q = forms.CharField(label=_("内容关键词"), required=False, max_length=MAX_QUERY_LENGTH,
                        help_text=_("多个词用空格分隔，须同时包含"))
    date_from = DateField(label=_("登记日期自"), required=False)
    date_to = DateField(label=_("至"), required=False)
    channel = forms.ChoiceField(label=_("信访形式"), required=False, choices=[("", _("全部"))] + Channel.choices)
    purpose = forms.ModelChoiceField(label=_("信访目的"), required=False, queryset=None, empty_label=_("全部"))
    matter_class = forms.ChoiceField(label=_("信访事项类别"), required=False,
                                     choices=[("", _("全部"))] + MatterClass.choices)
    urgent = forms.BooleanField(label=_("重大紧急"), required=False)
    simple = forms.BooleanField(label=_("简易办理"), required=False)
    problem = DictChoiceField(DictKind.PROBLEM, tree=True, label=_("所属问题"), required=False, empty_label=_("全部"),
                                     help_text=_("含下级分类"))
    org = forms.ModelChoiceField(label=_("机构"), required=False, queryset=None, empty_label=_("全部"),
                                 help_text=_("在该机构及下级登记或交办到该机构及下级的"))
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + Status.choices)
    overdue = forms.BooleanField(label=_("已超期"), required=False)
    due_to = DateField(label=_("期限至"), required=False, help_text=_("当前期限在此日期前（含）"))
    supervised = forms.BooleanField(label=_("督办件"), required=False)
    mine = forms.BooleanField(label=_("仅我单位承办的"), required=False,
                              help_text=_("交办、转办给本单位的信访件（我的信访）"))
    repeat = forms.ChoiceField(label=_("是否重访"), required=False, choices=YES_NO)
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SORT_CHOICES)

    status_choices = None  # subclasses narrow the states

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["purpose"].queryset = DictEntry.objects.filter(kind=DictKind.PURPOSE).order_by("sort_order")
        self.fields["org"].queryset = org_scope_choices(user).order_by("path")
        self.fields["org"].label_from_instance = lambda o: ("　" * max(0, o.depth - 1)) + o.name
        if self.status_choices is not None:
            self.fields["status"].choices = [("", _("全部"))] + [
                (s, Status(s).label) for s in self.status_choices]

    def clean_q(self):
        text = (self.cleaned_data.get("q") or "").strip()
        if len(text.split()) > MAX_TERMS:
            raise forms.ValidationError(_("关键词最多%(max)d个。") % {"max": MAX_TERMS})
        return text

    def clean_id_number(self):
        return (self.cleaned_data.get("id_number") or "").strip().upper()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data

    def criteria(self):
        """The cleaned values that are set (for the audit record and links)."""
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None, False)}


class ArchiveSearchForm(CaseSearchForm):
    """办结存档: finished cases only; time is the registration or the closing time."""

    DATE_FIELDS = [("registered", _("登记时间")), ("closed", _("办结时间"))]
    date_field = forms.ChoiceField(label=_("时间类型"), required=False, choices=DATE_FIELDS)
    status_choices = ARCHIVE_STATUSES

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        for name in ("overdue", "supervised", "phone", "id_number", "channel", "purpose", "repeat", "due_to", "mine"):
            del self.fields[name]
        self.fields["date_from"].label = _("时间自")
        self.fields["sort"].choices = [c for c in SORT_CHOICES if c[0] != "due"]
        self.order_fields(["number", "name", "q", "date_field", "date_from", "date_to", "problem", "org", "status",
                           "sort"])
