"""Forms of the workflow actions. They check input shape only; the rules are the service's.

Every action form carries the case ``version`` it was built from (hidden) so that the service
can refuse a form opened before someone else acted.
"""
from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgKind, OrgUnit, User
from accounts.widgets import DateField, FileInput

from petitions import clock
from petitions.domain.deadlines import MAX_EXTENSION_DAYS
from petitions.models import DictEntry, DictKind, HandlingOpinion
from petitions.selectors.orgs import assignable_orgs, leader_choices, scope_orgs
from petitions.services.transitions import REVIEW_CONCLUSIONS



class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "\u3000" * max(obj.depth - 2, 0) + obj.name


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
        self.fields["leader"].queryset = leader_choices(self.user)
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
    problem = forms.ModelChoiceField(label=_("所属问题"), queryset=DictEntry.objects.none())
    archive = forms.BooleanField(label=_("同时归档"), required=False,
                                 help_text=_("复查、复核申请期限未满时只能办结，不能归档"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closure_category"].queryset = DictEntry.objects.filter(kind=DictKind.CLOSURE, is_active=True)
        self.fields["problem"].queryset = DictEntry.objects.filter(kind=DictKind.PROBLEM, is_active=True).select_related(
            "parent").order_by("parent__sort_order", "sort_order", "code")
        self.fields["problem"].label_from_instance = lambda e: e.label_with_parent
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
}


def action_form_class(action):
    return FORMS.get(action, ActionForm)


def target_formset(user, case, data=None):
    return TargetFormSet(data, prefix="targets", orgs=assignable_orgs(user, case))

