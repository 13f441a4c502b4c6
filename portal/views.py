"""Views of the public portal (群众端). No login (``login_not_required`` on every view; the rest of
the system stays behind LoginRequiredMiddleware); HTTP in, selector or service call, HTTP out.

No personal data or case number ever goes into a URL: forms are POSTed, and the case a visitor
unlocked with its number and query code is remembered in the session (``CASE_KEY``).
"""
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import form_add_service_error
from documents.selectors import portal_document, portal_documents
from documents.services import document_downloaded_online, document_open
from petitions.exceptions import ServiceError
from portal.services import case_evaluate, portal_petition_submit, portal_review_request
from portal import throttle
from portal.captcha import challenge_issue
from portal.forms import EvaluationForm, PetitionSubmitForm, ReviewRequestForm, TrackForm
from portal.selectors import (
    case_handovers, case_public_view, case_unlock, online_case_for_token, open_evaluation_targets, public_replies_page,
    unlocked_case,
)

CASE_KEY = "portal_case"
RECEIPT_KEY = "portal_receipt"
TOKENS_KEY = "portal_submit_tokens"
MAX_TOKENS = 5  # entry forms a visitor may have open at once (tabs)


@login_not_required
@require_GET
def home(request):
    return render(request, "portal/home.html", {"page_title": _("首页")})


# --- 网上信访 ----------------------------------------------------------------------------------------

def _new_token(session):
    """A submit token for a new form, remembered in the session: only a token this session was
    given is accepted, so a token seen elsewhere can neither post nor fetch a receipt."""
    token = uuid.uuid4().hex
    session[TOKENS_KEY] = (session.get(TOKENS_KEY, []) + [token])[-MAX_TOKENS:]
    return token


def _show_receipt(request, case):
    request.session[RECEIPT_KEY] = {"number": case.number, "code": case.query_code}
    return redirect("portal:receipt")


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def submit(request):
    """网上信访: the form (GET) and its submission (POST → receipt, post/redirect/get)."""
    session = request.session
    if request.method == "GET":
        form = PetitionSubmitForm(initial={"submit_token": _new_token(session)})
    else:
        form = PetitionSubmitForm(request.POST)
        token = request.POST.get("submit_token", "")
        known = token in session.get(TOKENS_KEY, [])
        replayed = online_case_for_token(token) if known else None
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
                case = portal_petition_submit(**form.submission(), request=request)
            except ServiceError as exc:
                form_add_service_error(form, exc)
            else:
                if not case.replayed:
                    throttle.record(request, throttle.SUBMIT, succeeded=True)
                return _show_receipt(request, case)
        # Shown again with the typed values, no solution and a token this session knows.
        form.data = form.data.copy()
        form.data["altcha"] = ""
        if not known:
            form.data["submit_token"] = _new_token(session)
    # A new challenge on every page: nothing of an earlier one (or of another visitor's) helps.
    return render(request, "portal/submit_form.html", {"form": form, "page_title": _("网上信访"),
                                                       "challenge": challenge_issue()})


@login_not_required
@never_cache
@require_GET
def receipt(request):
    """The case number and query code, shown once after a submission."""
    data = request.session.pop(RECEIPT_KEY, None)
    return render(request, "portal/receipt.html", {"receipt": data, "page_title": _("提交成功")})


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
            pk = case_unlock(number=form.cleaned_data["number"], code=form.cleaned_data["code"])
            if pk is None:
                throttle.record(request, throttle.TRACK, succeeded=False)
                form.add_error(None, _("未找到该信访件，请核对信访件编号和查询码。"))
            else:
                request.session.cycle_key()  # a new session id once a case is unlocked
                request.session[CASE_KEY] = pk
                return redirect("portal:case")
    return render(request, "portal/track_form.html", {"form": form, "page_title": _("信访查询")})


def _unlocked(request):
    """The case this session unlocked, if it still exists."""
    pk = request.session.get(CASE_KEY)
    return unlocked_case(pk) if pk else None


@login_not_required
@never_cache
@require_GET
def case(request):
    """The public view of the case this session unlocked, with the evaluation and review forms."""
    pk = request.session.get(CASE_KEY)
    view = case_public_view(pk) if pk else None
    if view is None:
        return redirect("portal:track")
    return render(request, "portal/case.html", {
        "case": view, "page_title": _("办理进度"),
        "evaluation_form": EvaluationForm(targets=open_evaluation_targets(pk)) if view.can_evaluate else None,
        "review_form": ReviewRequestForm() if view.review_open else None,
        "handovers": case_handovers(pk),
        "documents": portal_documents(pk),
    })


@login_not_required
@never_cache
@require_GET
def document(request, pk):
    """A document addressed to the petitioner of the case this session unlocked (number and query
    code), as issued; any other document is a 404. The first download is its delivery 网上."""
    case_pk = request.session.get(CASE_KEY)
    found = portal_document(case_pk, pk) if case_pk else None
    if found is None:
        raise Http404
    try:
        handle = document_open(found)
    except FileNotFoundError:
        raise Http404
    document_downloaded_online(document=found, request=request)
    response = FileResponse(handle, as_attachment=True, content_type="application/pdf",
                            filename=f"{found.case.number}-{found.get_kind_display()}-{found.version}.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _case_post(request, *, form_for, invalid, perform, done):
    """A petitioner's request on the unlocked case: the form of ``form_for(case)``, its errors
    (``invalid(form)``) or the service call ``perform(case, form)`` and its outcome as a message,
    then back to the case page."""
    case = _unlocked(request)
    if case is None:
        return redirect("portal:track")
    form = form_for(case)
    if not form.is_valid():
        for text in invalid(form):
            messages.error(request, text)
        return redirect("portal:case")
    try:
        perform(case, form)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("portal:case")


@login_not_required
@require_POST
def evaluate(request):
    return _case_post(
        request,
        form_for=lambda case: EvaluationForm(request.POST, targets=open_evaluation_targets(case.pk)),
        invalid=lambda form: form.non_field_errors() or [_("请至少选择一项评价。")],
        perform=lambda case, form: case_evaluate(case=case, ratings=form.ratings(),
                                                 comment=form.cleaned_data["comment"], request=request),
        done=_("评价已提交，感谢您的评价。"),
    )


@login_not_required
@require_POST
def review(request):
    return _case_post(
        request,
        form_for=lambda case: ReviewRequestForm(request.POST),
        invalid=lambda form: [form.errors["reason"][0]],
        perform=lambda case, form: portal_review_request(case=case, reason=form.cleaned_data["reason"],
                                                         request=request),
        done=_("申请已提交，上一级机关将自收到申请之日起30日内答复。"),
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
    rows, has_next = public_replies_page(page)
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
