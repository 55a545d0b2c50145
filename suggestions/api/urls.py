"""API v1 paths under /api/v1/ for media, sync, people and suggestions."""

from django.urls import path

from . import edit_views, share_views, timeline, views

urlpatterns = [
    path("media/check/", views.MediaCheckView.as_view(), name="api-media-check"),
    path("media/", views.MediaCollectionView.as_view(), name="api-media"),
    path("media/<int:pk>/", views.MediaItemView.as_view(), name="api-media-item"),
    path("media/<int:pk>/thumbnail/", views.MediaThumbnailView.as_view(), name="api-media-thumbnail"),
    path("media/<int:pk>/original/", views.MediaOriginalView.as_view(), name="api-media-original"),
    path("media/<int:pk>/ledger/", views.MediaLedgerView.as_view(), name="api-media-ledger"),
    path("timeline/", timeline.TimelineMonthsView.as_view(), name="api-timeline"),
    path("timeline/items/", timeline.TimelineItemsView.as_view(), name="api-timeline-items"),
    path("people/", views.PeopleListView.as_view(), name="api-people"),
    path("people/<int:pk>/", views.PersonView.as_view(), name="api-person"),
    path("people/<int:pk>/merge/", views.PersonMergeView.as_view(), name="api-person-merge"),
    path("faces/<int:pk>/detach/", views.FaceDetachView.as_view(), name="api-face-detach"),
    path("suggestions/", views.SuggestionListView.as_view(), name="api-suggestions"),
    path("suggestions/<int:pk>/", views.SuggestionView.as_view(), name="api-suggestion"),
    path("suggestions/<int:pk>/save/", views.SuggestionSaveView.as_view(), name="api-suggestion-save"),
    path("suggestions/<int:pk>/seen/", views.SuggestionSeenView.as_view(), name="api-suggestion-seen"),
    path("suggestions/<int:pk>/dismiss/", views.SuggestionDismissView.as_view(), name="api-suggestion-dismiss"),
    path("suggestions/<int:pk>/asset/", views.SuggestionAssetView.as_view(), name="api-suggestion-asset"),
    path("suggestions/<int:pk>/save-edit/", edit_views.EditSaveView.as_view(), name="api-suggestion-save-edit"),
    path("renditions/", edit_views.RenditionListView.as_view(), name="api-renditions"),
    path("renditions/<int:pk>/", edit_views.RenditionView.as_view(), name="api-rendition"),
    path("renditions/<int:pk>/file/", edit_views.RenditionFileView.as_view(), name="api-rendition-file"),
    path("shares/", share_views.ShareCollectionView.as_view(), name="api-shares"),
    path("shares/<int:pk>/", share_views.ShareLinkView.as_view(), name="api-share"),
]
