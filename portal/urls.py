"""URLs of the public portal, mounted at /portal/ by config/urls.py and config/urls_portal.py."""
from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("submit/receipt/", views.receipt, name="receipt"),
    path("submit/lookup/", views.receipt_lookup, name="receipt_lookup"),
    path("challenge/", views.challenge, name="challenge"),
    path("track/", views.track, name="track"),
    path("track/case/", views.case, name="case"),
    path("track/evaluate/", views.evaluate, name="evaluate"),
    path("track/review/", views.review, name="review"),
    path("track/leave/", views.leave, name="leave"),
    path("track/documents/<int:pk>/", views.document, name="document"),
    path("replies/", views.replies, name="replies"),
]
