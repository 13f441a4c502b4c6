from django.urls import path

from cockpit import views

app_name = "cockpit"

urlpatterns = [
    path("", views.index, name="index"),
    path("wall/", views.wall, name="wall"),
    path("cases/", views.cases, name="cases"),
    path("hotspots/", views.hotspot_page, name="hotspots"),
    path("backlog/", views.backlog, name="backlog"),
    path("charge/<int:case_pk>/", views.charge, name="charge"),
    path("charge/<int:pk>/end/", views.charge_end, name="charge_end"),
    path("warnings/", views.warnings_list, name="warnings"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("rules/", views.rules, name="rules"),
]
