from django.urls import path

from . import share_views

app_name = "share"

urlpatterns = [
    path("<str:key>/", share_views.page, name="page"),
    path("<str:key>/file", share_views.file, name="file"),
]
