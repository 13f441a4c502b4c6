"""Idle timeout, forced password change and the Content-Security-Policy header."""
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

IDLE_KEY = "_last_activity"


class SecurityPolicyMiddleware:
    """Log out after SESSION_IDLE_TIMEOUT seconds without a request; send users who must
    change their password to the password page before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(IDLE_KEY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                from .services import user_logout_record

                user_logout_record(user=user, request=request, reason="idle_timeout")
                logout(request)
                messages.warning(request, _("长时间未操作，已自动退出，请重新登录。"))
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            request.session[IDLE_KEY] = now
            if user.must_change_password:
                allowed = {reverse("accounts:password_change"), reverse("accounts:logout")}
                if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                    return redirect("accounts:password_change")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
