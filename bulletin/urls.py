from django.urls import path

from bulletin import views

app_name = "bulletin"

urlpatterns = [
    path("", views.bulletin_list, name="list"),
    path("new/", views.bulletin_edit, name="create"),
    path("<int:pk>/", views.bulletin_detail, name="detail"),
    path("<int:pk>/edit/", views.bulletin_edit, name="edit"),
    path("<int:pk>/withdraw/", views.bulletin_withdraw, name="withdraw"),
    path("<int:pk>/file/", views.bulletin_file, name="file"),
    path("files/", views.files, name="files"),
    path("files/<int:pk>/", views.file_download, name="file_download"),
]
