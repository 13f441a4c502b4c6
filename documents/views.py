"""Documents pages: issue, download, deliver, correct; the day's mailing batch; the template editor
and the offices' contact lines; and the pieces the case page and the action pages show (registered
through ``accounts.hooks`` by documents/hooks.py). HTTP in, selector or service call, HTTP out."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.exceptions import NotAllowed, ServiceError
from accounts.forms import form_add_service_error
from accounts.models import OrgUnit
from petitions import clock, permissions
from petitions.selectors import case_get_visible
from petitions.services.access_log import case_view_record

from documents import selectors, services
from documents.forms import (
    DeliveryForm, IssueForm, MailingForm, OfficeForm, TemplateForm, delivery_choices,
)
from documents.kinds import SPECS, TEMPLATE_FIELDS, DocumentKind, allowed_placeholders, default_texts

TEMPLATE_ADMIN = "petitions.manage_dictionary"
MAILERS = ("petitions.triage_case", "petitions.register_case", "petitions.handle_case")


def _case_url(case):
    return reverse("petitions:detail", args=[case.pk]) + "#case-documents"


def _pdf_response(data_or_handle, filename, *, inline=True):
    if isinstance(data_or_handle, bytes):
        response = HttpResponse(data_or_handle, content_type="application/pdf")
        disposition = "inline" if inline else "attachment"
        response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{filename}"
    else:
        response = FileResponse(data_or_handle, as_attachment=not inline, filename=filename,
                                content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _filename(document):
    return f"{document.case.number}-{document.get_kind_display()}-v{document.version}.pdf"


# --- pieces of the case page and the action pages (accounts.hooks) ---------------------------------

def case_panel(request, case):
    """The 文书 panel of the case page: every document issued for the case (versions, deliveries) and
    a button for each document the user may issue now."""
    facts = permissions.page_facts(request, case)  # the case page's: its rows are read once per request
    documents = selectors.case_documents(request.user, case)
    offers = services.document_offers(request.user, case, facts)
    return render_to_string("documents/_case_panel.html", {
        "case": case, "documents": documents, "offers": offers,
    }, request=request)


def action_extras(request, case, action):
    """On an action page whose action calls for a document: the box "同时出具…" and what that
    document asks of the issuer."""
    kind = services.ACTION_KINDS.get(action)
    if kind is None:
        return ""
    return render_to_string("documents/_action_extras.html", {
        "kind_label": DocumentKind(kind).label, "delivery_choices": delivery_choices(kind),
        "inputs": [(f"document_input_{name}", name) for name, _required in SPECS[kind].inputs],
        "checked": request.method == "POST" and bool(request.POST.get("issue_document")),
        "post": request.POST if request.method == "POST" else {},
    }, request=request)


def action_done(request, case, action):
    """After an action committed: issue the document it calls for when the box was ticked. A refusal
    (missing data) is a warning on the case page; the action stands."""
    kind = services.ACTION_KINDS.get(action)
    if kind is None or not request.POST.get("issue_document"):
        return
    case.refresh_from_db()
    offers = [o for o in services.document_offers(request.user, case, kinds=[kind])]
    if not offers:
        messages.warning(request, _("未出具%(kind)s：当前没有可以出具的对象。") % {"kind": DocumentKind(kind).label})
        return
    inputs = {name: request.POST.get(f"document_input_{name}", "") for name, _required in SPECS[kind].inputs}
    for offer in offers:
        try:
            document = services.document_issue(actor=request.user, case=case, kind=kind, subject_key=offer.subject_key,
                                               delivery=request.POST.get("document_delivery") or None,
                                               inputs=inputs, request=request)
        except (ServiceError, NotAllowed) as exc:
            messages.warning(request, _("操作已完成，但%(kind)s未出具：%(reason)s 可在本页“文书”栏补出。") % {
                "kind": DocumentKind(kind).label, "reason": exc.message})
        else:
            messages.success(request, _("已出具%(title)s，文号 %(number)s。") % {
                "title": document.title, "number": document.number})


# --- issue, download, deliver, correct -----------------------------------------------------------------

def issue(request, pk, kind):
    """出具文书 of ``kind`` for case ``pk`` (404 for an invisible case or an unknown kind)."""
    if kind not in SPECS:
        raise Http404
    case = case_get_visible(request.user, pk)
    subjects = services.document_subjects(kind, request.user, case)
    if not subjects:
        raise PermissionDenied(_("您当前不能为该信访件出具%(kind)s。") % {"kind": DocumentKind(kind).label})
    wanted = request.GET.get("subject") or request.POST.get("subject")
    form = IssueForm(request.POST or None, kind=kind, subjects=subjects,
                     initial={"subject": wanted, "delivery": delivery_choices(kind)[0][0]})
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data.get("subject") or subjects[0].key
        try:
            document = services.document_issue(actor=request.user, case=case, kind=kind, subject_key=key,
                                               delivery=form.cleaned_data["delivery"], inputs=form.inputs(),
                                               request=request)
        except (ServiceError, NotAllowed) as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("已出具%(title)s，文号 %(number)s。") % {
                "title": document.title, "number": document.number})
            return redirect(reverse("documents:detail", args=[document.pk]))
    return render(request, "documents/issue.html", {
        "case": case, "form": form, "kind": kind, "kind_label": DocumentKind(kind).label,
        "page_title": _("出具%(kind)s") % {"kind": DocumentKind(kind).label},
        "breadcrumbs": [(case.number, _case_url(case)), (DocumentKind(kind).label, "")],
    })


def detail(request, pk):
    """One document: number, versions, deliveries; the delivery and correction forms."""
    document = selectors.document_get_visible(request.user, pk)
    case = document.case
    can_act = document.org_id in permissions.Facts(request.user, case).org_ids
    can_correct = can_act and not hasattr_superseded(document) and bool(
        [s for s in services.document_subjects(document.kind, request.user, case) if s.key == document.subject_key])
    return render(request, "documents/detail.html", {
        "document": document, "case": case, "deliveries": document.deliveries.select_related("recorded_by"),
        "versions": _versions(document),
        "delivery_form": DeliveryForm(kind=document.kind, initial={"method": document.planned_delivery})
        if can_act else None,
        "can_correct": can_correct,
        "page_title": document.title,
        "breadcrumbs": [(case.number, _case_url(case)), (document.number, "")],
    })


def hasattr_superseded(document):
    try:
        return document.superseded_by is not None
    except document.__class__.superseded_by.RelatedObjectDoesNotExist:
        return False


def _versions(document):
    chain = [document]
    while chain[0].supersedes_id:
        chain.insert(0, chain[0].supersedes)
    current = document
    while hasattr_superseded(current):
        current = current.superseded_by
        chain.append(current)
    return chain


def download(request, pk):
    """The frozen PDF as issued (inline, for printing); recorded in the access log."""
    document = selectors.document_get_visible(request.user, pk)
    try:
        handle = services.document_open(document)
    except FileNotFoundError:
        raise Http404
    case_view_record(case=document.case, user=request.user, action="download", request=request)
    return _pdf_response(handle, _filename(document), inline=request.GET.get("download") != "1")


@require_POST
def deliver(request, pk):
    document = selectors.document_get_visible(request.user, pk)
    form = DeliveryForm(request.POST, kind=document.kind)
    if form.is_valid():
        try:
            services.document_deliver(actor=request.user, document=document, request=request, **form.cleaned_data)
        except (ServiceError, NotAllowed) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已登记送达：%(number)s") % {"number": document.number})
    else:
        messages.error(request, _("请检查送达方式和送达时间。"))
    return redirect(reverse("documents:detail", args=[document.pk]))


def correct_form(request, pk):
    """A correction of a kind whose issuer adds text (处理依据, 反馈内容): the issue form again."""
    document = selectors.document_get_visible(request.user, pk)
    if hasattr_superseded(document):
        raise Http404
    form = IssueForm(request.POST or None, kind=document.kind, correction=True,
                     initial={"delivery": document.planned_delivery,
                              **{f"input_{k}": document.values.get(k, "") for k, _r in SPECS[document.kind].inputs}})
    if request.method == "POST" and form.is_valid():
        try:
            new = services.document_correct(actor=request.user, document=document, reason=form.cleaned_data["reason"],
                                            delivery=form.cleaned_data["delivery"], inputs=form.inputs(),
                                            request=request)
        except (ServiceError, NotAllowed) as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("已出具更正版本，文号 %(number)s。") % {"number": new.number})
            return redirect(reverse("documents:detail", args=[new.pk]))
    case = document.case
    return render(request, "documents/issue.html", {
        "case": case, "form": form, "kind": document.kind, "kind_label": document.get_kind_display(),
        "correction_of": document, "page_title": _("更正%(kind)s") % {"kind": document.get_kind_display()},
        "breadcrumbs": [(case.number, _case_url(case)), (document.number, reverse("documents:detail",
                                                                                 args=[document.pk]))],
    })


# --- the day's mailing batch -------------------------------------------------------------------------

def mailing(request):
    """邮寄批次: the notices to petitioners issued on a day for delivery by mail, and their batch PDF
    (address labels, then every notice as issued)."""
    if not any(request.user.has_perm(p) for p in MAILERS):
        raise PermissionDenied
    form = MailingForm(request.GET or {"day": clock.today().isoformat()})
    day = form.cleaned_data["day"] if form.is_valid() else clock.today()
    documents = selectors.mailing_documents(request.user, day)
    if request.GET.get("pdf") == "1":
        if not documents:
            raise Http404
        return _pdf_response(services.mailing_batch_pdf(documents), f"mailing-{day.isoformat()}.pdf", inline=False)
    return render(request, "documents/mailing.html", {
        "form": form, "day": day, "documents": documents, "page_title": _("邮寄批次"),
    })


# --- templates and offices -----------------------------------------------------------------------------

def _require_admin(user):
    if not user.has_perm(TEMPLATE_ADMIN):
        raise PermissionDenied


def template_list(request):
    _require_admin(request.user)
    return render(request, "documents/template_list.html", {
        "rows": selectors.templates_overview(), "page_title": _("文书模板"),
    })


def template_edit(request, kind):
    """Edit the wording of one kind: the placeholders listed beside, 预览 renders the sample case, 保存
    refuses wording that does not check or render."""
    _require_admin(request.user)
    if kind not in SPECS:
        raise Http404
    texts = selectors.template_texts(kind)
    form = TemplateForm(request.POST or None, initial=texts)
    if request.method == "POST" and form.is_valid():
        data = {field: form.cleaned_data.get(field, "") for field in (*TEMPLATE_FIELDS, "number_word")}
        try:
            if request.POST.get("preview"):
                return _pdf_response(services.sample_preview(kind, data), f"preview-{kind}.pdf")
            if request.POST.get("reset"):
                services.template_reset(actor=request.user, kind=kind, request=request)
                messages.success(request, _("已恢复默认模板。"))
                return redirect(reverse("documents:template_edit", args=[kind]))
            services.template_save(actor=request.user, kind=kind, texts=data, request=request)
        except (ServiceError, NotAllowed) as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("模板已保存：%(kind)s") % {"kind": DocumentKind(kind).label})
            return redirect(reverse("documents:template_list"))
    return render(request, "documents/template_form.html", {
        "form": form, "kind": kind, "kind_label": DocumentKind(kind).label,
        "placeholders": sorted(allowed_placeholders(kind).items()), "defaults": default_texts(kind),
        "page_title": _("文书模板：%(kind)s") % {"kind": DocumentKind(kind).label},
        "breadcrumbs": [(_("文书模板"), reverse("documents:template_list")), (DocumentKind(kind).label, "")],
    })


def office_edit(request):
    """发文机关信息 of the user's organization (a system administrator may pick another, ?org=code)."""
    user = request.user
    org = user.organization
    if user.has_perm(TEMPLATE_ADMIN) and request.GET.get("org"):
        org = OrgUnit.objects.filter(code=request.GET["org"]).first()
    if org is None or not (user.has_perm(TEMPLATE_ADMIN) or user.has_perm("petitions.triage_case")):
        raise PermissionDenied
    profile = selectors.office_profile(org)
    form = OfficeForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.office_profile_save(actor=user, org=org, data=form.cleaned_data, request=request)
        except (ServiceError, NotAllowed) as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("已保存发文机关信息：%(org)s") % {"org": org.name})
            return redirect(request.get_full_path())
    return render(request, "documents/office_form.html", {
        "form": form, "org": org, "page_title": _("发文机关信息"),
        "orgs": OrgUnit.objects.filter(is_active=True).order_by("path") if user.has_perm(TEMPLATE_ADMIN) else None,
    })

