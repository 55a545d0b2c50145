from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from suggestions import urls as pages

from . import pwa, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("privacy/", include("consent.urls")),
    path("library/", include(pages.library)),
    path("people/", include(pages.people)),
    path("suggestions/", include(pages.feed)),
    path("s/", include(pages.share)),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("offline/", pwa.offline, name="offline"),
    path("share-target/", pwa.share_target_fallback, name="share-target"),
    path("metrics", views.metrics, name="metrics"),
    path("api/v1/auth/", include("rollweb.api_auth_urls")),
    path("api/v1/", include("consent.api.urls")),
    path("api/v1/", include("suggestions.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", views.ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

# Under /api/ every error is answered in JSON, whichever layer refuses.
handler400 = "rollweb.api.bad_request"
handler403 = "rollweb.api.permission_denied"
handler404 = "rollweb.api.not_found"
handler500 = "rollweb.api.server_error"
