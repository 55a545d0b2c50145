"""API v1 paths under /api/v1/ for media, sync, people, suggestions, edits and share links."""

from django.urls import path

from . import controls, edits, feed, library, people, sharing, timeline, uploads

urlpatterns = [
    path("media/check/", library.MediaCheckView.as_view(), name="api-media-check"),
    path("media/", library.MediaCollectionView.as_view(), name="api-media"),
    path("media/bulk-delete/", library.MediaBulkDeleteView.as_view(), name="api-media-bulk-delete"),
    path("media/<int:pk>/", library.MediaItemView.as_view(), name="api-media-item"),
    path("media/<int:pk>/thumbnail/", library.MediaThumbnailView.as_view(), name="api-media-thumbnail"),
    path("media/<int:pk>/original/", library.MediaOriginalView.as_view(), name="api-media-original"),
    path("media/<int:pk>/ledger/", library.MediaLedgerView.as_view(), name="api-media-ledger"),
    path("uploads/", uploads.UploadStartView.as_view(), name="api-uploads"),
    path("uploads/<uuid:pk>/", uploads.UploadView.as_view(), name="api-upload"),
    path("uploads/<uuid:pk>/chunks/<int:index>/", uploads.UploadChunkView.as_view(), name="api-upload-chunk"),
    path("uploads/<uuid:pk>/complete/", uploads.UploadCompleteView.as_view(), name="api-upload-complete"),
    path("timeline/", timeline.TimelineMonthsView.as_view(), name="api-timeline"),
    path("timeline/items/", timeline.TimelineItemsView.as_view(), name="api-timeline-items"),
    path("people/", people.PeopleListView.as_view(), name="api-people"),
    path("people/preference/", controls.PeoplePreferenceView.as_view(), name="api-people-preference"),
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
    path("year-reviews/", controls.YearReviewCollectionView.as_view(), name="api-year-reviews"),
    path("controls/", controls.ControlsView.as_view(), name="api-controls"),
    path("controls/hidden-ranges/", controls.HiddenRangeCollectionView.as_view(), name="api-hidden-ranges"),
    path("controls/hidden-ranges/<int:pk>/", controls.HiddenRangeView.as_view(), name="api-hidden-range"),
    path("controls/fewer/", controls.FewerCollectionView.as_view(), name="api-fewer-kinds"),
    path("controls/fewer/<slug:kind>/", controls.FewerView.as_view(), name="api-fewer-kind"),
    path("renditions/", edits.RenditionListView.as_view(), name="api-renditions"),
    path("renditions/<int:pk>/", edits.RenditionView.as_view(), name="api-rendition"),
    path("renditions/<int:pk>/file/", edits.RenditionFileView.as_view(), name="api-rendition-file"),
    path("shares/", sharing.ShareCollectionView.as_view(), name="api-shares"),
    path("shares/<int:pk>/", sharing.ShareLinkView.as_view(), name="api-share"),
]
