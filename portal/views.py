"""Views of the public portal (群众端). No login (``login_not_required`` on every view; the rest of
the system stays behind LoginRequiredMiddleware); HTTP in, a call to the backend, HTTP out.

The backend (``portal.backends``, settings.PORTAL_BACKEND) is the staff database in the
single-database setup and the sealed mirror with its outbox on the internet-side deployment
(docs/architecture.md §7); the views are the same for both.

No personal data or case number ever goes into a URL: forms are POSTed, and the case a visitor
unlocked with its number and query code is remembered in the session (``CASE_KEY``).
"""
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.exceptions import ServiceError
from portal import throttle
from portal.backends import backend
from portal.captcha import challenge_issue
from portal.forms import EvaluationForm, PetitionSubmitForm, ReceiptForm, ReviewRequestForm, TrackForm
from portal.sealing import code_normalise, receipt_display

CASE_KEY = "portal_case"
RECEIPT_KEY = "portal_receipt"
TOKENS_KEY = "portal_submit_tokens"
MAX_TOKENS = 5  # entry forms a visitor may have open at once (tabs)


@login_not_required
@require_GET
def home(request):
    return render(request, "portal/home.html", {"page_title": _("首页"), "immediate": backend().immediate})


# --- 网上信访 ----------------------------------------------------------------------------------------

def _new_token(session):
    """A submit token for a new form, remembered in the session: only a token this session was
    given is accepted, so a token seen elsewhere can neither post nor fetch a receipt."""
    token = uuid.uuid4().hex
    session[TOKENS_KEY] = (session.get(TOKENS_KEY, []) + [token])[-MAX_TOKENS:]
    return token


def _show_receipt(request, receipt):
    request.session[RECEIPT_KEY] = {"number": receipt.number, "code": receipt.code,
                                    "receipt": receipt.receipt_code}
    return redirect("portal:receipt")


def _add_service_error(form, exc):
    """A refusal of the backend on the form: next to the field it names, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, texts in exc.message_dict.items():
        name = key.rsplit(".", 1)[-1]
        form.add_error(name if name in form.fields else None, texts)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def submit(request):
    """网上信访: the form (GET) and its submission (POST → receipt, post/redirect/get)."""
    session = request.session
    portal = backend()
    lists = {"bureaus": portal.bureau_choices(), "purposes": portal.purpose_choices(),
             "problems": portal.problem_choices()}
    if request.method == "GET":
        form = PetitionSubmitForm(initial={"submit_token": _new_token(session)}, **lists)
    else:
        form = PetitionSubmitForm(request.POST, **lists)
        token = request.POST.get("submit_token", "")
        known = token in session.get(TOKENS_KEY, [])
        replayed = portal.replayed_receipt(token) if known else None
        if replayed is not None:  # the same form posted again (double click, reload)
            return _show_receipt(request, replayed)
        until = throttle.blocked_until(request, throttle.SUBMIT)
        valid = form.is_valid()  # always: the browser check's challenge is used up by every post
        if not known:
            form.add_error(None, _("表单已失效，请刷新页面后重新提交。"))
        elif until is not None:
            form.add_error(None, _("同一网络地址提交过于频繁，请%(minutes)d分钟后再试。") % {
                "minutes": throttle.minutes_until(until)})
        elif valid:
            try:
                receipt = portal.submit(**form.submission(), request=request)
            except ServiceError as exc:
                _add_service_error(form, exc)
            else:
                if not receipt.replayed:
                    throttle.record(request, throttle.SUBMIT, succeeded=True)
                return _show_receipt(request, receipt)
        # Shown again with the typed values, no solution and a token this session knows.
        form.data = form.data.copy()
        form.data["altcha"] = ""
        if not known:
            form.data["submit_token"] = _new_token(session)
    # A new challenge on every page: nothing of an earlier one (or of another visitor's) helps.
    return render(request, "portal/submit_form.html", {"form": form, "page_title": _("网上信访"),
                                                       "challenge": challenge_issue(),
                                                       "unavailable": not lists["bureaus"],
                                                       "immediate": portal.immediate})


@login_not_required
@never_cache
@require_GET
def receipt(request):
    """The case number and query code (or, on the internet-side deployment, the receipt code under
    which they will be found), shown once after a submission."""
    data = request.session.pop(RECEIPT_KEY, None)
    if data and data.get("receipt"):
        data = {**data, "receipt": receipt_display(data["receipt"])}
    return render(request, "portal/receipt.html", {"receipt": data, "page_title": _("提交成功"),
                                                   "wait_minutes": settings.PORTAL_RECEIPT_WAIT_MINUTES})


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def receipt_lookup(request):
    """凭回执码查询 (internet-side deployment): what became of a petition, and once it is registered its
    number and query code. Wrong receipt codes count as failed look-ups, like wrong query codes."""
    portal = backend()
    if portal.immediate:
        raise Http404
    form = ReceiptForm(request.POST or None)
    status = None
    if request.method == "POST" and form.is_valid():
        until = throttle.blocked_until(request, throttle.TRACK)
        if until is not None:
            form.add_error(None, _("查询失败次数过多，请%(minutes)d分钟后再试。") % {
                "minutes": throttle.minutes_until(until)})
        else:
            status = portal.receipt_status(code_normalise(form.cleaned_data["receipt"]))
            if status is None:
                throttle.record(request, throttle.TRACK, succeeded=False)
                form.add_error(None, _("未找到该回执码，请核对后重新输入。"))
    return render(request, "portal/receipt_lookup.html", {
        "form": form, "status": status, "page_title": _("查询受理结果"),
        "wait_minutes": settings.PORTAL_RECEIPT_WAIT_MINUTES})


@login_not_required
@never_cache
@require_GET
def challenge(request):
    """A new proof-of-work challenge (JSON), for a form whose challenge expired while it was filled in."""
    return JsonResponse(challenge_issue())


# --- 查询 -----------------------------------------------------------------------------------------

@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    """Number + query code (POST) unlock the case for this session; the same answer for a wrong
    number and a wrong code, and none at all once the address has failed too often."""
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        until = throttle.blocked_until(request, throttle.TRACK)
        if until is not None:
            form.add_error(None, _("查询失败次数过多，请%(minutes)d分钟后再试。") % {
                "minutes": throttle.minutes_until(until)})
        else:
            token = backend().unlock(number=form.cleaned_data["number"], code=form.cleaned_data["code"])
            if token is None:
                throttle.record(request, throttle.TRACK, succeeded=False)
                form.add_error(None, _("未找到该信访件，请核对信访件编号和查询码。"))
            else:
                request.session.cycle_key()  # a new session id once a case is unlocked
                request.session[CASE_KEY] = token
                return redirect("portal:case")
    return render(request, "portal/track_form.html", {"form": form, "page_title": _("信访查询"),
                                                      "immediate": backend().immediate})


def _evaluation_form(portal, sheet, data=None):
    return EvaluationForm(data, targets=sheet.evaluation_targets, values=portal.satisfaction_choices())


@login_not_required
@never_cache
@require_GET
def case(request):
    """The public view of the case this session unlocked, with the evaluation and review forms."""
    portal = backend()
    token = request.session.get(CASE_KEY)
    sheet = portal.sheet(token) if token is not None else None
    if sheet is None:
        request.session.pop(CASE_KEY, None)
        return redirect("portal:track")
    return render(request, "portal/case.html", {
        "case": sheet.case, "page_title": _("办理进度"),
        "evaluation_form": _evaluation_form(portal, sheet) if sheet.case.can_evaluate else None,
        "review_form": ReviewRequestForm() if sheet.case.review_open else None,
        "handovers": sheet.handovers,
        "documents": sheet.documents,
    })


@login_not_required
@never_cache
@require_GET
def document(request, pk):
    """A document addressed to the petitioner of the case this session unlocked (number and query
    code), as issued; any other document is a 404. The first download is its delivery 网上."""
    token = request.session.get(CASE_KEY)
    found = backend().document(token, pk, request=request) if token is not None else None
    if found is None:
        raise Http404
    filename, handle = found
    response = FileResponse(handle, as_attachment=True, content_type="application/pdf", filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _case_post(request, *, form_for, invalid, perform, done):
    """A petitioner's request on the unlocked case: the form of ``form_for(portal, sheet)``, its errors
    (``invalid(form)``) or the backend call ``perform(portal, token, form)`` and its outcome as a
    message, then back to the case page."""
    portal = backend()
    token = request.session.get(CASE_KEY)
    sheet = portal.sheet(token) if token is not None else None
    if sheet is None:
        return redirect("portal:track")
    form = form_for(portal, sheet)
    if not form.is_valid():
        for text in invalid(form):
            messages.error(request, text)
        return redirect("portal:case")
    try:
        perform(portal, token, form)
    except ServiceError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done(portal))
    return redirect("portal:case")


@login_not_required
@require_POST
def evaluate(request):
    return _case_post(
        request,
        form_for=lambda portal, sheet: _evaluation_form(portal, sheet, request.POST),
        invalid=lambda form: form.non_field_errors() or [_("请至少选择一项评价。")],
        perform=lambda portal, token, form: portal.evaluate(token, ratings=form.ratings(),
                                                            comment=form.cleaned_data["comment"], request=request),
        done=lambda portal: _("评价已提交，感谢您的评价。") if portal.immediate else
        _("评价已提交，正在传送至信访部门，感谢您的评价。"),
    )


@login_not_required
@require_POST
def review(request):
    return _case_post(
        request,
        form_for=lambda portal, sheet: ReviewRequestForm(request.POST),
        invalid=lambda form: [form.errors["reason"][0]],
        perform=lambda portal, token, form: portal.review(token, reason=form.cleaned_data["reason"], request=request),
        done=lambda portal: _("申请已提交，上一级机关将自收到申请之日起30日内答复。") if portal.immediate else
        _("申请已提交，正在传送至信访部门；上一级机关自收到申请之日起30日内答复。"),
    )


@login_not_required
@require_POST
def leave(request):
    """Forget the unlocked case (a shared computer)."""
    request.session.pop(CASE_KEY, None)
    return redirect("portal:track")


# --- 公开答复 -------------------------------------------------------------------------------------

@login_not_required
@require_GET
def replies(request):
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    rows, has_next = backend().replies_page(page)
    return render(request, "portal/replies.html", {
        "replies": rows, "page": page, "has_next": has_next, "has_previous": page > 1,
        "page_title": _("公开答复"),
    })


# --- errors of the portal-only deployment (config/urls_portal.py) ---------------------------------

@login_not_required
def not_found(request, exception=None):
    return render(request, "portal/404.html", {"page_title": _("页面不存在")}, status=404)


@login_not_required
def server_error(request):
    return render(request, "portal/500.html", status=500)
