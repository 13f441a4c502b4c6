"""Entry forms: 来访登记, 来信登记 (also 电话/传真/电子邮件), 上级交办 and the person blocks (the
triage-pool filters are in ``petitions.forms.pool``).

Forms check input shape and show the rules' messages next to the fields; the rules
themselves (identity, head count, repeat link) are functions of ``petitions.services.intake``
that the service applies again when it writes.
"""
import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models.functions import Coalesce
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgKind, OrgUnit
from accounts.widgets import DateField, FileInput

from accounts.forms import OrgChoiceField, QuickSelect
from petitions import clock
from petitions.domain.levels import proper_level, visit_level_rank
from petitions.models import Channel, DictEntry, DictKind, IdType, Sex
from petitions.services import attachments
from petitions.services.intake import (
    LETTER_CHANNELS, MAX_PETITIONERS, first_case_resolve, headcount_errors, is_anonymous_letter,
    petitioner_identity_clean,
)

PERSON_PREFIX = "petitioners"
TERRITORIAL_KINDS = (OrgKind.PREFECTURE, OrgKind.COUNTY, OrgKind.TOWNSHIP)
LEVEL_BY_KIND = {OrgKind.TOWNSHIP: "1", OrgKind.COUNTY: "2", OrgKind.PREFECTURE: "3"}  # 上访层次 codes


class DictChoiceField(forms.ModelChoiceField):
    """A native <select> of the active entries of one dictionary.

    Flat lists show the standard code first ("04 求决", "01 汉族"): a closed <select> takes
    type-ahead only from keys, and Chinese needs an input method, so typing the code is how a
    keyboard user jumps to an entry (arrow keys work everywhere). ``tree=True`` lists a
    two-level dictionary (所属问题) depth-first, labelled "一级 / 二级", without its long codes."""

    def __init__(self, kind, *, tree=False, **kwargs):
        qs = DictEntry.objects.filter(kind=kind, is_active=True)
        if tree:
            qs = qs.select_related("parent").annotate(
                top_sort=Coalesce(F("parent__sort_order"), F("sort_order")),
                top_code=Coalesce(F("parent__code"), F("code")),
            ).order_by("top_sort", "top_code", "level", "sort_order", "code")
        else:
            qs = qs.order_by("sort_order", "code")
        self.tree = tree
        kwargs.setdefault("widget", QuickSelect)
        super().__init__(queryset=qs, **kwargs)

    def label_from_instance(self, obj):
        return obj.label_with_parent if self.tree else f"{obj.code} {obj.name}"


class DictMultipleChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, kind, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(queryset=DictEntry.objects.filter(kind=kind, is_active=True).order_by("sort_order", "code"),
                         **kwargs)

    def label_from_instance(self, obj):
        return obj.name


class MultipleFileInput(FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one <input type="file" multiple>; each is checked by content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={
            "accept": ",".join("." + ext for ext in attachments.ALLOWED_EXTENSIONS)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            files = [single(d, initial) for d in data if d]
        else:
            files = [single(data, initial)] if data else []
        errors = []
        if len(files) > attachments.MAX_FILES:
            errors.append(_("一次最多上传 %(n)d 个附件。") % {"n": attachments.MAX_FILES})
        for upload in files:
            try:
                attachments.attachment_check(upload)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return files


# --- person blocks ------------------------------------------------------------------------------

class PetitionerForm(forms.Form):
    """One petitioner or representative. Sex and age are filled from a resident ID number
    and must agree with it."""

    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    # GB/T 2261.1 codes in front (1 男, 2 女) for type-ahead; usually filled from the ID number.
    sex = forms.ChoiceField(label=_("性别"), choices=[("", "—"), (Sex.MALE, format_lazy("1 {}", Sex.MALE.label)),
                                                     (Sex.FEMALE, format_lazy("2 {}", Sex.FEMALE.label))], required=False,
                            widget=QuickSelect)
    age = forms.IntegerField(label=_("年龄"), min_value=0, max_value=150, required=False)
    ethnicity = DictChoiceField(DictKind.ETHNICITY, label=_("民族"), required=False, empty_label="—")
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID,
                                widget=QuickSelect)
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "class": "js-idcard",
                                                              "spellcheck": "false"}))
    education = DictChoiceField(DictKind.EDUCATION, label=_("文化程度"), required=False, empty_label="—")
    political = DictChoiceField(DictKind.POLITICAL, label=_("政治面貌"), required=False, empty_label="—")
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    workplace = forms.CharField(label=_("单位"), max_length=100, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))

    def __init__(self, *args, today=None, **kwargs):
        self.today = today or clock.today()
        super().__init__(*args, **kwargs)
        # The live check's message (static/js/idcard.js) is announced with the field.
        self.fields["id_number"].widget.attrs["aria-describedby"] = self["id_number"].auto_id + "_check"

    def clean(self):
        data = super().clean()
        if any(f in self.errors for f in ("id_number", "sex", "age", "id_type")):
            return data
        try:
            data.update(petitioner_identity_clean(
                id_type=data.get("id_type"), id_number=data.get("id_number"), sex=data.get("sex"),
                age=data.get("age"), today=self.today))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field, messages)
        return data

    def person_data(self):
        return {name: self.cleaned_data.get(name) for name in self.fields}


class BasePetitionerFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": _("信访人或代表最多登记5人；集体访推选的代表不得超过5人（《信访工作条例》第二十条）。"),
    }

    def filled_forms(self):
        """Person blocks the clerk typed something into (empty extra blocks are ignored)."""
        return [f for f in self.forms if f.has_changed()]


PETITIONER_DICT_CHOICES = ("ethnicity", "education", "political")

PetitionerFormSet = forms.formset_factory(
    PetitionerForm, formset=BasePetitionerFormSet, extra=MAX_PETITIONERS, max_num=MAX_PETITIONERS,
    validate_max=True, absolute_max=MAX_PETITIONERS * 2,
)


def petitioner_formset(user, data=None):
    return PetitionerFormSet(data, prefix=PERSON_PREFIX, form_kwargs={"today": clock.today()})


def share_person_choices(formset):
    """Before rendering: read each dictionary of the person blocks once for all five blocks
    (validation does not need the lists, so a successful POST never reads them)."""
    forms_ = formset.forms
    if forms_:
        for name in PETITIONER_DICT_CHOICES:
            choices = list(iter(forms_[0].fields[name].choices))
            for form in forms_:
                form.fields[name].choices = choices
    return formset


# --- case forms ---------------------------------------------------------------------------------

class IntakeForm(forms.Form):
    """Fields common to every entry form. Subclasses add their channel's fields and say, in
    ``head_fields`` / ``detail_fields``, where on the page they go (that order is the tab order)."""

    channel = None  # fixed channel, or a ``channel`` field on the letter form
    head_fields = ()
    detail_fields = ()

    submit_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    petition_date = DateField(label=_("信访日期"))
    purpose = DictChoiceField(DictKind.PURPOSE, label=_("信访目的"))
    content = forms.CharField(label=_("反映问题及诉求"), max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 6}),
                              error_messages={"required": _("反映问题及诉求不能为空。")})
    summary = forms.CharField(label=_("概况"), max_length=200, required=False,
                              help_text=_("留空则取反映问题的前60个字。"))
    problem = DictChoiceField(DictKind.PROBLEM, tree=True, label=_("所属问题"))
    problem_region = OrgChoiceField(label=_("问题属地"))
    responsible_org = OrgChoiceField(label=_("责任单位"), required=False, empty_label="—",
                                     help_text=_("系统内的机构；系统外的企业、医院等在右侧选择"))
    responsible_outside = DictChoiceField(DictKind.OUTSIDE_UNIT, label=_("系统外责任单位"), required=False,
                                          empty_label="—", help_text=_("名单由系统管理员在“基础字典”中维护"))
    responsible_person = forms.CharField(label=_("责任人"), max_length=50, required=False)
    is_repeat = forms.BooleanField(label=_("是否重访"), required=False)
    first_case = forms.CharField(label=_("初访编号"), max_length=40, required=False,
                                 widget=forms.TextInput(attrs={"autocomplete": "off"}),
                                 help_text=_("可在上方“可能的重复信访”中点“标记为重访”自动填入。"))
    is_confidential = forms.BooleanField(
        label=_("保密（检举揭发）"), required=False,
        help_text=_("检举揭发公职人员的信访件：仅登记人和被授权人员可见，不得交给被检举单位。"))
    accused_org = OrgChoiceField(label=_("被检举单位"), required=False)
    files = MultipleFileField(label=_("上传附件"), required=False)
    answer_text = forms.CharField(label=_("答复意见"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("“当面答复并办结”时必填：信访人在窗口当场接受的答复。"))
    # The answer's help names this form's own button (a letter form answers only a telephone call).
    answer_help = _("“当面答复并办结”时必填：信访人在窗口当场接受的答复。")

    common_fields = ("purpose", "content", "summary", "problem", "problem_region", "responsible_org",
                     "responsible_outside", "responsible_person")
    offers_face_to_face = False  # only a visitor at the window (or a caller) is answered on the spot
    answer_label = _("当面答复")
    answer_button = _("当面答复并办结")

    def skip_level_data(self):
        """What the page's script needs to propose 越级: the rank of each 上访层次 choice and the
        level of each 问题属地 choice (``petitions.domain.levels``)."""
        if "is_skip_level" not in self.fields:
            return None
        levels = {str(e.pk): visit_level_rank(e.code) for e in self.fields["visit_level"].queryset}
        regions = {str(o.pk): proper_level(o.kind) for o in self.fields["problem_region"].queryset}
        return {"levels": levels, "regions": regions}

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        today = clock.today()
        self.fields["petition_date"].initial = today
        self.fields["submit_token"].initial = uuid.uuid4().hex
        regions = OrgUnit.objects.filter(kind__in=TERRITORIAL_KINDS, is_active=True).order_by("path")
        self.fields["problem_region"].queryset = regions
        self.fields["accused_org"].queryset = OrgUnit.objects.filter(is_active=True).order_by("path")
        self.fields["responsible_org"].queryset = OrgUnit.objects.filter(is_active=True).order_by("path")
        org = getattr(user, "organization", None)
        if org is not None and not self.is_bound:
            self.fields["problem_region"].initial = org.government.pk
        self.fields["files"].help_text = _("扫描件、照片、PDF、Word/Excel 文档或文本，可多选；单个不超过 %(mb)d MB。") % {
            "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        if self.head_fields:
            self.fields[self.head_fields[0]].widget.attrs["autofocus"] = True
        if not self.offers_face_to_face:
            del self.fields["answer_text"]
        else:
            self.fields["answer_text"].help_text = self.answer_help

    @property
    def wants_answer(self):
        """The clerk pressed 当面答复并办结 (the button's name/value, not a field)."""
        return self.offers_face_to_face and self.data.get("action") == "answer"

    def _clean_not_future(self, name, message):
        value = self.cleaned_data.get(name)
        if value and value > clock.today():
            raise ValidationError(message)
        return value

    def clean_petition_date(self):
        return self._clean_not_future("petition_date", _("信访日期不能晚于今天。"))

    def clean_first_case(self):
        number = self.cleaned_data.get("first_case", "").strip()
        if not number:
            return None
        case = first_case_resolve(actor=self.user, number=number)
        if case is None:
            raise ValidationError(_("初访编号不存在，或您无权查看该信访件。"))
        return case

    def clean(self):
        data = super().clean()
        if data.get("is_repeat") and not data.get("first_case") and "first_case" not in self.errors:
            self.add_error("first_case", _("请填写初访编号，或取消“是否重访”。"))
        if data.get("first_case"):
            data["is_repeat"] = True
        if data.get("accused_org") and not data.get("is_confidential"):
            self.add_error("accused_org", _("被检举单位只在保密（检举揭发）件中填写。"))
        if self.wants_answer and not (data.get("answer_text") or "").strip():
            self.add_error("answer_text", _("当面答复须填写答复意见。"))
        return data

    def channel_value(self):
        return self.channel

    def case_data(self):
        """The case fields for ``register_case``."""
        skip = {"submit_token", "files", "answer_text", "channel"}
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}

    def is_anonymous(self):
        return False

    def headcount_kwargs(self):
        return {}


class VisitForm(IntakeForm):
    """来访登记."""

    channel = Channel.VISIT
    title = _("来访登记")
    head_fields = ("petition_date", "visit_nature", "visitor_count", "visit_level", "is_skip_level")
    detail_fields = ("abnormal_behaviors",)
    offers_face_to_face = True  # 当面答复并办结 is a visit's

    visit_nature = DictChoiceField(DictKind.VISIT_NATURE, label=_("来访性质"),
                                   widget=QuickSelect(attrs={"class": "js-visit-nature"}))
    visitor_count = forms.IntegerField(label=_("来访人数"), min_value=1, max_value=100000, initial=1)
    visit_level = DictChoiceField(DictKind.VISIT_LEVEL, label=_("上访层次"))
    is_skip_level = forms.BooleanField(
        label=_("越级访"), required=False,
        help_text=_("上访层次高于问题属地应当受理的层级且未经下级处理时，系统自动勾选，请核实（《信访工作条例》第十九条）。"))
    abnormal_behaviors = DictMultipleChoiceField(DictKind.ABNORMAL, label=_("异常行为"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:  # initial values only matter for a new, empty form
            return
        natures = self.fields["visit_nature"].queryset
        individual = natures.filter(code="1").first()
        if individual is not None:
            self.fields["visit_nature"].initial = individual.pk
        org = getattr(self.user, "organization", None)
        level_code = LEVEL_BY_KIND.get(org.government.kind) if org is not None else None
        level = self.fields["visit_level"].queryset.filter(code=level_code).first() if level_code else None
        if level is not None:
            self.fields["visit_level"].initial = level.pk

    def headcount_kwargs(self):
        return {"visit_nature": self.cleaned_data.get("visit_nature"),
                "visitor_count": self.cleaned_data.get("visitor_count")}


class LetterFieldsMixin(forms.Form):
    letter_nature = DictChoiceField(DictKind.LETTER_NATURE, label=_("来信性质"),
                                    widget=QuickSelect(attrs={"class": "js-letter-nature"}))
    signer_count = forms.IntegerField(label=_("来信人数"), min_value=1, max_value=100000, initial=1, required=False)
    received_at = DateField(label=_("收信时间"), required=False)
    attachment_kind = DictChoiceField(DictKind.ATTACHMENT_KIND, label=_("附件"), required=False, empty_label="—")
    registration_source = DictChoiceField(DictKind.REG_SOURCE, label=_("登记来源"))

    default_source_code = "1"  # 本单位接待

    def _set_letter_initials(self):
        if self.is_bound:
            return
        self.fields["received_at"].initial = clock.today()
        for name, code in (("letter_nature", "1"), ("attachment_kind", "0"),
                           ("registration_source", self.default_source_code)):
            entry = self.fields[name].queryset.filter(code=code).first()
            if entry is not None:
                self.fields[name].initial = entry.pk

    def clean_received_at(self):
        return self._clean_not_future("received_at", _("收信时间不能晚于今天。"))

    def is_anonymous(self):
        return is_anonymous_letter(self.cleaned_data.get("letter_nature"))

    def headcount_kwargs(self):
        return {"signer_count": self.cleaned_data.get("signer_count")}


class LetterForm(LetterFieldsMixin, IntakeForm):
    """来信登记, also used for 电话, 传真 and 电子邮件; a telephone call may be answered on the spot."""

    offers_face_to_face = True
    answer_label = _("当场答复（仅限来电）")
    answer_button = _("来电当场答复并办结")
    answer_help = _("“来电当场答复并办结”时必填：来电人在电话中当场接受的答复。")

    title = _("来信登记")
    head_fields = ("channel", "petition_date", "received_at", "letter_nature", "signer_count", "attachment_kind",
                   "registration_source")
    channel = forms.ChoiceField(label=_("信访形式"), choices=[(c.value, c.label) for c in LETTER_CHANNELS],
                                initial=Channel.LETTER, widget=QuickSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_letter_initials()

    def channel_value(self):
        return self.cleaned_data.get("channel")


class ReferralForm(LetterFieldsMixin, IntakeForm):
    """上级交办: the superior's reference and referring person, plus the letter fields."""

    channel = Channel.REFERRAL
    title = _("上级交办")
    head_fields = ("referral_number", "referrer_org", "referrer_name", "referrer_title", "petition_date",
                   "received_at", "letter_nature", "signer_count", "attachment_kind", "registration_source",
                   "visit_level", "is_skip_level")
    default_source_code = "2"  # 上级交办

    referral_number = forms.CharField(label=_("上级交办号"), max_length=50)
    visit_level = DictChoiceField(DictKind.VISIT_LEVEL, label=_("上访层次"), required=False, empty_label="—",
                                  help_text=_("交办的是来访（如进京访、赴省访）时填写"))
    is_skip_level = forms.BooleanField(label=_("越级访"), required=False,
                                       help_text=_("上访层次高于问题属地应当受理的层级且未经下级处理时自动勾选，请核实。"))
    referrer_name = forms.CharField(label=_("交办人"), max_length=50, required=False)
    referrer_title = forms.CharField(label=_("交办人职务"), max_length=50, required=False)
    referrer_org = forms.CharField(label=_("交办单位"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_letter_initials()


INTAKE_FORMS = {"visit": VisitForm, "letter": LetterForm, "referral": ReferralForm}


def intake_forms_valid(form, formset):
    """Validate the case form and the person blocks together.

    Adds the cross-form messages next to their fields: a name for every person typed in (not
    needed for an anonymous letter), at least one person unless anonymous, and the head-count
    rules (集体访 ≤ 5 representatives, 来访人数/来信人数 ≥ persons named). Stores the typed
    blocks as ``formset.persons``. Returns True when both are valid.
    """
    form.is_valid()
    formset.is_valid()
    persons = formset.filled_forms()
    formset.persons = persons
    anonymous = "letter_nature" in form.fields and is_anonymous_letter(form.cleaned_data.get("letter_nature"))
    for person in persons:
        if not (person.cleaned_data.get("name") or "").strip() and not anonymous and "name" not in person.errors:
            person.add_error("name", _("请填写信访人姓名。"))
    if not persons and not anonymous and formset.forms:
        formset.forms[0].add_error("name", _("请至少填写一名信访人（匿名信除外）。"))
    if not formset.non_form_errors():  # too many blocks is already said once, above the blocks
        for field, message in headcount_errors(channel=form.channel_value(), persons=len(persons),
                                               **form.headcount_kwargs()).items():
            form.add_error(field if field in form.fields else None, message)
    return not form.errors and not formset.total_error_count()


def similar_query(data, *, prefix=PERSON_PREFIX):
    """The typed identity and content from POST data (the form itself or the JS lookup),
    as keyword arguments for ``petitions.selectors.similarity.similar_cases`` (without the region)."""
    id_numbers, pairs = [], []
    for i in range(MAX_PETITIONERS):
        id_numbers.append(data.get(f"{prefix}-{i}-id_number", ""))
        pairs.append((data.get(f"{prefix}-{i}-name", ""), data.get(f"{prefix}-{i}-phone", "")))
    return {"id_numbers": [n for n in id_numbers if n], "name_phones": pairs, "content": data.get("content", "")}


def similar_region(data):
    value = data.get("problem_region")
    if not value or not str(value).isdigit():
        return None
    return OrgUnit.objects.filter(pk=value, kind__in=TERRITORIAL_KINDS).first()
