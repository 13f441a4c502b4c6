"""Interface language, idle timeout, forced password change and two-factor enrolment, and the
Content-Security-Policy header."""
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.otp import otp_required

IDLE_KEY = "_last_activity"
# The activity stamp is rewritten at most this often: rewriting it on every request made every
# page, even a read-only one, end with an UPDATE of the session row. The timeout is then exact
# to within this many seconds (30 min idle logs out after 30–31 min).
IDLE_STAMP_SECONDS = 60


class SecurityPolicyMiddleware:
    """Log out after SESSION_IDLE_TIMEOUT seconds without a request; send users who must
    change their password to the password page before anything else, then those whom policy
    obliges to use two-factor login (OTP_REQUIRED_*) to the enrolment page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(IDLE_KEY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                from accounts.services import user_logout_record

                user_logout_record(user=user, request=request, reason="idle_timeout")
                logout(request)
                messages.warning(request, _("长时间未操作，已自动退出，请重新登录。"))
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")
            if last is None or now - last >= IDLE_STAMP_SECONDS:
                request.session[IDLE_KEY] = now
            if user.must_change_password:
                allowed = {reverse("accounts:password_change"), reverse("accounts:logout")}
                if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                    return redirect("accounts:password_change")
            elif not user.otp_enabled and otp_required(user):
                allowed = {reverse("accounts:otp_setup"), reverse("accounts:logout")}
                if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                    return redirect("accounts:otp_setup")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class InterfaceLanguageMiddleware(LocaleMiddleware):
    """Chinese unless the user chose English with the switch in the header (language cookie).

    The browser's Accept-Language is deliberately ignored: office terminals often run
    English-language browsers, and the working language of the system is Chinese.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
