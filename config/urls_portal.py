"""URLconf of the internet-side deployment: the public portal only (docs/architecture.md §7).

Selected with DJANGO_ROOT_URLCONF=config.urls_portal (README, "Production"). Staff pages, the
admin and the staff login do not exist here: every other URL is a 404 rendered by the portal.
"""
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from petitions.views import sms as sms_views

urlpatterns = [
    path("", login_not_required(RedirectView.as_view(pattern_name="portal:home", permanent=False))),
    path("portal/", include("portal.urls")),
    # SMS providers reach the internet side: their callbacks are served here too (短信信访).
    path("sms/inbound/<slug:provider>/", sms_views.sms_inbound, name="sms_inbound"),
]

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
