from django.urls import path

from . import views

app_name = "consent"

urlpatterns = [
    path("", views.privacy, name="privacy"),
    path("welcome/", views.onboarding, name="onboarding"),
    path("faces/", views.faces_confirm, name="faces"),
    path("grant/", views.grant, name="grant"),
    path("revoke/<str:scope>/", views.revoke, name="revoke"),
    path("receipt/", views.receipt, name="receipt"),
    path("receipt.json", views.receipt_download, name="receipt_download"),
    path("export/", views.export_start, name="export_start"),
    path("export/<uuid:pk>/", views.export_detail, name="export"),
    path("export/<uuid:pk>/download/", views.export_download, name="export_download"),
    path("account/delete/", views.account_delete, name="account_delete"),
    path("devices/<uuid:pk>/sign-out/", views.device_sign_out, name="device_sign_out"),
    path("devices/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
]
