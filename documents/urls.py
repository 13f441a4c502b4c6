from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("case/<int:pk>/issue/<slug:kind>/", views.issue, name="issue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf/", views.download, name="download"),
    path("<int:pk>/deliver/", views.deliver, name="deliver"),
    path("<int:pk>/correct/", views.correct_form, name="correct_form"),
    path("mailing/", views.mailing, name="mailing"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/<slug:kind>/", views.template_edit, name="template_edit"),
    path("office/", views.office_edit, name="office"),
]
