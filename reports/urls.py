from django.urls import path

from reports import annual_views, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("kpi/", views.kpi, name="kpi"),
    path("charts/", views.chart_page, name="charts"),
    path("charts/<slug:slug>.img", views.chart_image, name="chart_image"),
    path("annual/", annual_views.annual_report, name="annual"),
    path("<slug:slug>/", views.report, name="report"),
]
