from django.urls import path

from . import share_views, views

app_name = "library"

urlpatterns = [
    path("", views.library, name="index"),
    path("upload/", views.upload, name="upload"),
    path("status/", views.status, name="status"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/thumbnail/<str:size>/", views.thumbnail, name="thumbnail"),
    path("<int:pk>/original/", views.original, name="original"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("edits/<int:pk>/", views.rendition_file, name="rendition"),
    path("edits/<int:pk>/delete/", views.rendition_delete, name="rendition_delete"),
    path("edits/<int:pk>/share/", share_views.rendition_share, name="edit_share"),
]
