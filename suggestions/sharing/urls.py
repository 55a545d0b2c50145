"""Share links' pages: the public page and file behind a link under /s/ (namespace "share"), and
the owner's actions, which live in the "library" and "feed" namespaces (see suggestions/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:key>/", views.page, name="page"),
    path("<str:key>/file", views.file, name="file"),
]
library_patterns = [
    path("edits/<int:pk>/share/", views.rendition_share, name="edit_share"),
]
feed_patterns = [
    path("<int:pk>/share/", views.suggestion_share, name="share"),
    path("shares/<int:pk>/revoke/", views.revoke, name="share_revoke"),
]
