"""API v1 paths under /api/v1/ for media, sync, people and suggestions."""

from django.urls import path

from . import views

urlpatterns = [
    path("media/check/", views.MediaCheckView.as_view(), name="api-media-check"),
    path("media/", views.MediaCollectionView.as_view(), name="api-media"),
    path("media/<int:pk>/", views.MediaItemView.as_view(), name="api-media-item"),
    path("media/<int:pk>/thumbnail/", views.MediaThumbnailView.as_view(), name="api-media-thumbnail"),
    path("media/<int:pk>/original/", views.MediaOriginalView.as_view(), name="api-media-original"),
    path("media/<int:pk>/ledger/", views.MediaLedgerView.as_view(), name="api-media-ledger"),
    path("people/", views.PeopleListView.as_view(), name="api-people"),
    path("suggestions/", views.SuggestionListView.as_view(), name="api-suggestions"),
    path("suggestions/<int:pk>/asset/", views.SuggestionAssetView.as_view(), name="api-suggestion-asset"),
]
