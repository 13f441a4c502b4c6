from django.urls import path

app_name = "petitions"

urlpatterns = []
