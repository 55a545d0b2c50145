"""The feed's pages under /suggestions/ (namespace "feed", which also holds the share actions: see suggestions/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("year/", views.year_review, name="year_review"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/asset/", views.asset, name="asset"),
    path("<int:pk>/save/", views.save, name="save"),
    path("<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("<int:pk>/fewer/", views.fewer, name="fewer"),
    path("fewer/<slug:kind>/undo/", views.fewer_undo, name="fewer_undo"),
    path("people/<int:pk>/feature/", views.person_feature, name="person_feature"),
    path("hidden-days/", views.hide_days, name="hide_days"),
    path("hidden-days/<int:pk>/undo/", views.hide_days_undo, name="hide_days_undo"),
    path("<int:pk>/soundtrack/", views.soundtrack, name="soundtrack"),
]
