from django.urls import path

from . import views

app_name = "consent"

urlpatterns = [
    path("", views.privacy, name="privacy"),
    path("welcome/", views.onboarding, name="onboarding"),
    path("faces/", views.faces_confirm, name="faces"),
    path("grant/", views.grant, name="grant"),
    path("revoke/<str:scope>/", views.revoke, name="revoke"),
]
