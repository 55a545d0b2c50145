"""API v1 paths under /api/v1/ for media, sync, people, suggestions, edits and share links."""

from django.urls import path

from . import edits, feed, library, people, places, sharing, timeline

urlpatterns = [
    path("media/check/", library.MediaCheckView.as_view(), name="api-media-check"),
    path("media/", library.MediaCollectionView.as_view(), name="api-media"),
    path("media/<int:pk>/", library.MediaItemView.as_view(), name="api-media-item"),
    path("media/<int:pk>/thumbnail/", library.MediaThumbnailView.as_view(), name="api-media-thumbnail"),
    path("media/<int:pk>/original/", library.MediaOriginalView.as_view(), name="api-media-original"),
    path("media/<int:pk>/ledger/", library.MediaLedgerView.as_view(), name="api-media-ledger"),
    path("timeline/", timeline.TimelineMonthsView.as_view(), name="api-timeline"),
    path("timeline/items/", timeline.TimelineItemsView.as_view(), name="api-timeline-items"),
    path("map/", places.MapCountsView.as_view(), name="api-map"),
    path("people/", people.PeopleListView.as_view(), name="api-people"),
    path("people/<int:pk>/", people.PersonView.as_view(), name="api-person"),
    path("people/<int:pk>/merge/", people.PersonMergeView.as_view(), name="api-person-merge"),
    path("faces/<int:pk>/detach/", people.FaceDetachView.as_view(), name="api-face-detach"),
    path("suggestions/", feed.SuggestionListView.as_view(), name="api-suggestions"),
    path("suggestions/<int:pk>/", feed.SuggestionView.as_view(), name="api-suggestion"),
    path("suggestions/<int:pk>/save/", feed.SuggestionSaveView.as_view(), name="api-suggestion-save"),
    path("suggestions/<int:pk>/seen/", feed.SuggestionSeenView.as_view(), name="api-suggestion-seen"),
    path("suggestions/<int:pk>/dismiss/", feed.SuggestionDismissView.as_view(), name="api-suggestion-dismiss"),
    path("suggestions/<int:pk>/asset/", feed.SuggestionAssetView.as_view(), name="api-suggestion-asset"),
    path("suggestions/<int:pk>/save-edit/", edits.EditSaveView.as_view(), name="api-suggestion-save-edit"),
    path("renditions/", edits.RenditionListView.as_view(), name="api-renditions"),
    path("renditions/<int:pk>/", edits.RenditionView.as_view(), name="api-rendition"),
    path("renditions/<int:pk>/file/", edits.RenditionFileView.as_view(), name="api-rendition-file"),
    path("shares/", sharing.ShareCollectionView.as_view(), name="api-shares"),
    path("shares/<int:pk>/", sharing.ShareLinkView.as_view(), name="api-share"),
]
