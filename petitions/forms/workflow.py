"""Forms of the workflow actions. They check input shape only; the rules are the service's.

Every action form carries the case ``version`` it was built from (hidden) so that the service
can refuse a form opened before someone else acted.
"""
from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import OrgChoiceField
from accounts.models import OrgKind, OrgUnit, User
from accounts.widgets import DateField, FileInput, TimeField

from petitions import clock
from petitions.domain.deadlines import MAX_EXTENSION_DAYS
from petitions.forms.intake import DictChoiceField
from petitions.domain.procedures import GUIDE_PROCEDURES, SIMPLE_BASES
from petitions.models import (
    DictEntry, DictKind, HandlingOpinion, MatterClass, MediationKind, MediationOutcome, ReviewLevel,
)
from petitions.selectors.orgs import (
    assignable_orgs, discipline_organs, leader_choices, legal_organs, recusable_users, scope_orgs,
)
from petitions.services.transitions import REVIEW_CONCLUSIONS



class MultipleFileInput(FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        if not isinstance(data, (list, tuple)):
            data = [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in data]


class TargetForm(forms.Form):
    """One receiving organization of a 交办/转办, with its own deadline; one may be 主办."""

    org = OrgChoiceField(label=_("承办单位"), queryset=OrgUnit.objects.none(), required=False)
    deadline = DateField(label=_("办理期限"), required=False,
                               help_text=_("不填则为受理之日起60日"))
    is_lead = forms.BooleanField(label=_("主办"), required=False)

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if orgs is not None:
            self.fields["org"].queryset = orgs


class BaseTargetFormSet(forms.BaseFormSet):
    def __init__(self, *args, orgs=None, **kwargs):
        self.orgs = orgs
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["orgs"] = self.orgs
        return kwargs

    def clean(self):
        if any(self.errors):
            return
        chosen = [f.cleaned_data for f in self.forms if f.cleaned_data.get("org")]
        if not chosen:
            raise forms.ValidationError(_("请至少选择一个承办单位。"))
        if sum(1 for t in chosen if t.get("is_lead")) > 1:
            raise forms.ValidationError(_("只能指定一个主办单位。"))
        orgs = [t["org"].pk for t in chosen]
        if len(set(orgs)) != len(orgs):
            raise forms.ValidationError(_("同一单位只能选择一次。"))

    def targets(self):
        return [{"org": f.cleaned_data["org"], "deadline": f.cleaned_data.get("deadline"),
                 "is_lead": f.cleaned_data.get("is_lead", False)}
                for f in self.forms if f.cleaned_data.get("org")]


TargetFormSet = forms.formset_factory(TargetForm, formset=BaseTargetFormSet, extra=4, max_num=10)
TARGET_ACTIONS = frozenset({"assign", "transfer", "instruct"})


class ActionForm(forms.Form):
    """Base of every action form: hidden version and the opinion text."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                           max_length=5000)

    def __init__(self, *args, transition, case, user, facts=None, **kwargs):
        self.transition, self.case, self.user, self.facts = transition, case, user, facts
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", case.version)
        super().__init__(*args, **kwargs)
        self.fields["note"].label = transition.note_label
        self.fields["note"].required = transition.requires_note
        self.order_fields([name for name in self.fields if name not in ("version", "note")] + ["note", "version"])

    def service_data(self):
        """Keyword arguments for ``case_transition`` besides case/action/actor/version/note."""
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "note")}


class ReportLeaderForm(ActionForm):
    leader = forms.ModelChoiceField(label=_("呈报领导"), queryset=User.objects.none())
    deadline = DateField(label=_("批示期限"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leader_choices(self.user, self.case)
        self.fields["leader"].label_from_instance = lambda u: f"{u.display_name}（{u.organization}）"
        self.fields["deadline"].initial = clock.today() + timedelta(days=3)


class InstructForm(ActionForm):
    direct = forms.BooleanField(label=_("由领导直接交办（在下方选择承办单位）"), required=False)


class AssignForm(ActionForm):
    parent = forms.ChoiceField(label=_("本单位收到的交办"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        own = self.facts.own("pending") if self.facts is not None and self.case.status != "pending" else []
        if len(own) > 1:
            self.fields["parent"].choices = [(a.pk, f"{a.org} ← {a.assigned_by_org}") for a in own]
            self.fields["parent"].required = True
        else:
            del self.fields["parent"]


class RejectForm(ActionForm):
    reason = forms.ModelChoiceField(label=_("不予受理理由"), queryset=DictEntry.objects.none())
    channel = forms.CharField(label=_("告知信访人的途径"), max_length=500,
                              help_text=_("如：向人民法院提起诉讼、申请仲裁或行政复议，或向有权机关提出"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = DictEntry.objects.filter(kind=DictKind.REJECT_REASON, is_active=True)


class ExtensionForm(ActionForm):
    days = forms.IntegerField(label=_("延期天数"), min_value=1, max_value=MAX_EXTENSION_DAYS,
                              help_text=_("最多30日，每件仅可延期一次"))


class DecideExtensionForm(ActionForm):
    extension = forms.ChoiceField(label=_("延期申请"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pending = self.facts.pending_extensions if self.facts is not None else []
        self.fields["extension"].choices = [
            (e.pk, _("%(org)s 申请延期%(days)d天：%(reason)s") % {"org": e.assignment.org, "days": e.days,
                                                              "reason": e.reason}) for e in pending]


class ReportResultForm(ActionForm):
    opinion = forms.ChoiceField(label=_("处理意见"), choices=[("", "---------")] + list(HandlingOpinion.choices))
    files = MultipleFileField(label=_("附件"), required=False)


class AnswerForm(ActionForm):
    """直接答复: the answer the petitioner receives, and the 处理意见 (条例第三十二条)."""

    opinion = forms.ChoiceField(label=_("处理意见"), choices=[("", "---------")] + list(HandlingOpinion.choices))


class ApproveResultForm(ActionForm):
    """审核通过: the approver sees the handler's 处理意见 and result (the page shows them) and may
    rewrite the reply the petitioner will read; both versions stay in the trail."""

    answer_text = forms.CharField(label=_("答复意见（信访人收到的内容）"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 6}),
                                  help_text=_("默认为承办单位上报的办理结果，可修改；修改前后均记入办理记录"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups = self.facts.reviewable_groups() if self.facts is not None else []
        reported = [m for _p, members in groups[:1] for m in members if m.status == "reported" and m.result_text]
        if not self.is_bound and reported:
            self.initial.setdefault("answer_text", "\n\n".join(m.result_text for m in reported))
        self.reported = reported


class SendBackForm(ActionForm):
    assignment = forms.ChoiceField(label=_("退回单位"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups = self.facts.reviewable_groups() if self.facts is not None else []
        reported = [m for _p, members in groups[:1] for m in members if m.status == "reported"]
        self.fields["assignment"].choices = [("", _("全部上报单位"))] + [(m.pk, str(m.org)) for m in reported]


class ReviewDecisionForm(ActionForm):
    conclusion = forms.ChoiceField(label=_("结论"), choices=list(REVIEW_CONCLUSIONS.items()))


class CloseForm(ActionForm):
    closure_category = forms.ModelChoiceField(label=_("办结分类"), queryset=DictEntry.objects.none())
    closure_org = OrgChoiceField(label=_("所属单位"), queryset=OrgUnit.objects.none())
    closure_region = OrgChoiceField(label=_("区域"), queryset=OrgUnit.objects.none())
    problem = DictChoiceField(DictKind.PROBLEM, tree=True, label=_("所属问题"))
    archive = forms.BooleanField(label=_("同时归档"), required=False,
                                 help_text=_("复查、复核申请期限未满时只能办结，不能归档"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closure_category"].queryset = DictEntry.objects.filter(kind=DictKind.CLOSURE, is_active=True)
        orgs = scope_orgs(self.user)
        self.fields["closure_org"].queryset = orgs
        self.fields["closure_region"].queryset = orgs.filter(
            kind__in=(OrgKind.PREFECTURE, OrgKind.COUNTY, OrgKind.TOWNSHIP))
        if not self.is_bound:
            case = self.case
            self.initial.setdefault("problem", case.problem_id)
            self.initial.setdefault("closure_region", case.problem_region_id)


class SuperviseForm(ActionForm):
    deadline = DateField(label=_("督办期限"))


class ReclassifyForm(ActionForm):
    """调整类别: the class now and the one it becomes (条例第二十九至三十一条)."""

    matter_class = forms.ChoiceField(label=_("信访事项类别"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matter_class"].choices = [("", "---------")] + [
            (value, label) for value, label in MatterClass.choices if value != self.case.matter_class]
        current = MatterClass(self.case.matter_class).label if self.case.matter_class else _("未分类")
        self.fields["matter_class"].help_text = _("当前类别：%(current)s") % {"current": current}


class RouteLegalForm(ActionForm):
    org = OrgChoiceField(label=_("接收的政法机关"), queryset=OrgUnit.objects.none(),
                         help_text=_("同级的公安、法院、检察院、司法行政等部门"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = legal_organs(self.user, self.case)


class RouteDisciplineForm(ActionForm):
    org = OrgChoiceField(label=_("接收的纪检监察机关"), queryset=OrgUnit.objects.none(),
                         help_text=_("按被反映人员的干部管理权限选择；不含被检举单位及其下级"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = discipline_organs(self.user, self.case)


class GuideProcedureForm(ActionForm):
    procedure = forms.ChoiceField(label=_("法定途径"), choices=[("", "---------")] + list(GUIDE_PROCEDURES.items()))


class ApplySimpleForm(ActionForm):
    basis = forms.ChoiceField(label=_("适用情形"), choices=[("", "---------")] + list(SIMPLE_BASES),
                              help_text=_("自受理之日起10个工作日内答复（节假日和调休按节假日安排计算）"))


class ScheduleHearingForm(ActionForm):
    scheduled_on = DateField(label=_("听证日期"))
    scheduled_time = TimeField(label=_("听证时间"))
    place = forms.CharField(label=_("听证地点"), max_length=200)
    chair = forms.CharField(label=_("主持人"), max_length=100)
    participants = forms.CharField(label=_("参加人员"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=_("信访人、有关机关代表、听证员等"))

    def service_data(self):
        data = super().service_data()
        day, at = data.pop("scheduled_on"), data.pop("scheduled_time")
        data["scheduled_at"] = timezone.make_aware(datetime.combine(day, at))
        return data


class RecordHearingForm(ActionForm):
    minutes = forms.CharField(label=_("听证笔录"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))


class MediationForm(ActionForm):
    kind = forms.ChoiceField(label=_("方式"), choices=MediationKind.choices)
    held_on = DateField(label=_("调解（和解）日期"))
    parties = forms.CharField(label=_("当事人"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.ChoiceField(label=_("结果"), choices=MediationOutcome.choices)
    agreement = forms.CharField(label=_("协议内容"), required=False, max_length=20000,
                                widget=forms.Textarea(attrs={"rows": 6}),
                                help_text=_("达成协议的须填写；达成协议即以调解和解结案"))
    files = MultipleFileField(label=_("协议书扫描件"), required=False)


class OrderRecusalForm(ActionForm):
    user = forms.ModelChoiceField(label=_("回避人员"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = recusable_users(self.user, self.case)
        self.fields["user"].label_from_instance = lambda u: f"{u.display_name}（{u.organization}）"


class SupervisionFeedbackForm(ActionForm):
    supervision = forms.ChoiceField(label=_("督办事项"))
    adopted = forms.CharField(label=_("采纳建议情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("督办意见和建议的采纳情况；没有建议的填写“无”"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        waiting = self.facts.supervisions_awaiting_feedback if self.facts is not None else []
        self.fields["supervision"].choices = [
            (s.pk, _("%(day)s %(org)s督办：%(req)s（期限 %(due)s）") % {
                "day": s.created_at.date().isoformat(), "org": s.ordered_by_org, "req": s.requirement[:60],
                "due": s.due.isoformat()}) for s in waiting]


class PublishReplyForm(ActionForm):
    """公开答复: offered with the latest 复核 (or 复查) opinion, e.g. one given after a hearing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            review = (self.case.reviews.filter(decided_at__isnull=False).order_by("-decided_at").first()
                      if self.case.pk else None)
            if review is not None:
                self.initial.setdefault("note", _("%(what)s意见：%(text)s") % {
                    "what": ReviewLevel(review.level).label, "text": review.opinion})


FORMS = {
    "report_leader": ReportLeaderForm,
    "instruct": InstructForm,
    "assign": AssignForm,
    "transfer": AssignForm,
    "reject": RejectForm,
    "request_extension": ExtensionForm,
    "approve_extension": DecideExtensionForm,
    "refuse_extension": DecideExtensionForm,
    "report_result": ReportResultForm,
    "answer": AnswerForm,
    "approve_result": ApproveResultForm,
    "send_back": SendBackForm,
    "review_decision": ReviewDecisionForm,
    "recheck_decision": ReviewDecisionForm,
    "close": CloseForm,
    "supervise": SuperviseForm,
    "publish_reply": PublishReplyForm,
    "reclassify": ReclassifyForm,
    "route_legal": RouteLegalForm,
    "route_discipline": RouteDisciplineForm,
    "guide_procedure": GuideProcedureForm,
    "apply_simple": ApplySimpleForm,
    "schedule_hearing": ScheduleHearingForm,
    "record_hearing": RecordHearingForm,
    "record_mediation": MediationForm,
    "order_recusal": OrderRecusalForm,
    "supervision_feedback": SupervisionFeedbackForm,
}
UPLOAD_ACTIONS = frozenset({"report_result", "record_mediation"})


def action_form_class(action):
    return FORMS.get(action, ActionForm)


def target_formset(user, case, data=None):
    return TargetFormSet(data, prefix="targets", orgs=assignable_orgs(user, case))

