"""The people pages under /people/ (namespace "people")."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.people, name="index"),
    path("memories/", views.preference, name="preference"),
    path("<int:pk>/", views.person, name="person"),
    path("<int:pk>/hide/", views.hide, name="hide"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("faces/<int:pk>/crop/", views.crop, name="crop"),
    path("faces/<int:pk>/detach/", views.detach, name="detach"),
]
