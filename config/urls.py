from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.views.generic import RedirectView
from django.views.i18n import set_language
from django.urls import include, path

from accounts import views as account_views
from petitions.views import sms as sms_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("cases/", include("petitions.urls")),
    path("reports/", include("reports.urls")),
    path("cockpit/", include("cockpit.urls")),
    path("documents/", include("documents.urls")),
    path("bulletin/", include("bulletin.urls")),
    path("portal/", include("portal.urls")),
    # SMS providers' callbacks (短信信访): open, each provider's adapter checks its signature or token.
    path("sms/inbound/<slug:provider>/", sms_views.sms_inbound, name="sms_inbound"),
    # The language switch works before login too (the login page offers it).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # The admin site signs in through the staff login page (lockout, second factor), never its own form.
    path("django-admin/login/",
         login_not_required(RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
         name="admin_login_redirect"),
    path("django-admin/", admin.site.urls),
]
