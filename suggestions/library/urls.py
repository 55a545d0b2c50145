"""The library's pages under /library/ (namespace "library", which also holds saved edits: see suggestions/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.library, name="index"),
    path("map/", views.places_map, name="map"),
    path("upload/", views.upload, name="upload"),
    path("status/", views.status, name="status"),
    path("selected/", views.selected, name="selected"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/thumbnail/<str:size>/", views.thumbnail, name="thumbnail"),
    path("<int:pk>/original/", views.original, name="original"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
