"""Saved edits' pages, in the "library" namespace under /library/edits/ (see suggestions/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("edits/<int:pk>/", views.rendition_file, name="rendition"),
    path("edits/<int:pk>/delete/", views.rendition_delete, name="rendition_delete"),
]
