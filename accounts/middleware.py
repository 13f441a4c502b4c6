"""Interface language, idle and absolute session timeouts, forced password change and two-factor
enrolment, and the Content-Security-Policy and Cache-Control headers."""
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.otp import otp_required

IDLE_KEY = "_last_activity"
LOGIN_AT_KEY = "_login_at"  # when the user logged in: the absolute limit counts from here
# The activity stamp is rewritten at most this often: rewriting it on every request made every
# page, even a read-only one, end with an UPDATE of the session row. The timeout is then exact
# to within this many seconds (30 min idle logs out after 30–31 min).
IDLE_STAMP_SECONDS = 60


class SecurityPolicyMiddleware:
    """Log out after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_ABSOLUTE_TIMEOUT
    seconds after the login whatever the activity (the session cookie's own expiry moves with
    every save, so it cannot be the absolute limit); send users who must change their password
    to the password page before anything else, then those whom policy obliges to use two-factor
    login (OTP_REQUIRED_*) to the enrolment page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(IDLE_KEY)
            login_at = request.session.setdefault(LOGIN_AT_KEY, now)
            if now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT:
                return self._expire(request, user, "absolute_timeout", _("登录已超过12小时，已自动退出，请重新登录。"))
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                return self._expire(request, user, "idle_timeout", _("长时间未操作，已自动退出，请重新登录。"))
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

    @staticmethod
    def _expire(request, user, reason, message):
        from accounts.services import user_logout_record

        user_logout_record(user=user, request=request, reason=reason)
        logout(request)
        messages.warning(request, message)
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")


class ContentSecurityPolicyMiddleware:
    """The CSP header, and ``Cache-Control: no-store`` on every response that did not set its own
    caching: pages and downloads carry personal data, which no browser or proxy cache may keep.
    (Static files are served before this by WhiteNoise, with their own long caching.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
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
