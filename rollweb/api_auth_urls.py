from django.urls import path

from . import api_auth

urlpatterns = [
    path("register/", api_auth.RegisterView.as_view(), name="api-register"),
    path("token/", api_auth.TokenCreateView.as_view(), name="api-token"),
    path("tokens/", api_auth.TokenListView.as_view(), name="api-tokens"),
    path("tokens/<uuid:pk>/", api_auth.TokenRevokeView.as_view(), name="api-token-revoke"),
]
