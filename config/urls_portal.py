"""URLconf of the internet-side deployment: the public portal only (docs/architecture.md §7).

Used by the portal deployed apart (config/settings/portal.py) and, in the single-database setup, by
an instance selected with DJANGO_ROOT_URLCONF=config.urls_portal (README, "Production"). Staff pages,
the admin and the staff login do not exist here: every other URL is a 404 rendered by the portal.
"""
from django.apps import apps
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", login_not_required(RedirectView.as_view(pattern_name="portal:home", permanent=False))),
    path("portal/", include("portal.urls")),
]

if apps.is_installed("petitions"):
    # SMS providers reach the internet side: with the staff database at hand their callbacks are served
    # here too (短信信访). The portal deployed apart has no staff database and does not serve them.
    from petitions.views import sms as sms_views

    urlpatterns.append(path("sms/inbound/<slug:provider>/", sms_views.sms_inbound, name="sms_inbound"))

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
