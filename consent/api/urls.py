"""API v1 paths under /api/v1/ for consent and the account."""

from django.urls import path

from . import views

urlpatterns = [
    path("consent/", views.ConsentStateView.as_view(), name="api-consent"),
    path("consent/grant/", views.ConsentGrantView.as_view(), name="api-consent-grant"),
    path("consent/revoke/", views.ConsentRevokeView.as_view(), name="api-consent-revoke"),
    path("consent/events/", views.ConsentEventListView.as_view(), name="api-consent-events"),
    path("consent/receipt/", views.ConsentReceiptView.as_view(), name="api-consent-receipt"),
    path("account/", views.AccountView.as_view(), name="api-account"),
    path("account/export/", views.AccountExportView.as_view(), name="api-account-export"),
    path("account/export/<uuid:pk>/", views.AccountExportDetailView.as_view(), name="api-account-export-detail"),
    path(
        "account/export/<uuid:pk>/download/",
        views.AccountExportDownloadView.as_view(),
        name="api-account-export-download",
    ),
]
