"""The app's models, one module per feature; Django finds them here."""

from .edits import Rendition
from .feed import (
    FewerKind, HiddenRange, ScopedQuerySet, ScopesUsed, Suggestion, SuggestionItem, SuggestionQuerySet, SuggestionRefresh, YearReviewRequest,
)
from .library import (
    Backfill,
    Home,
    LibraryVersion,
    MediaItem,
    MediaItemQuerySet,
    ProcessingRecord,
    Tombstone,
    derived_key,
    face_crop_key,
    local_capture_time,
    original_key,
    user_prefix,
)
from .people import Face, PeoplePreference, Person
from .sharing import ShareLink, ShareLinkQuerySet
from .uploads import ChunkedUpload

__all__ = [
    "Backfill", "ChunkedUpload", "Face", "FewerKind", "HiddenRange", "Home", "LibraryVersion", "MediaItem", "MediaItemQuerySet", "PeoplePreference", "Person", "ProcessingRecord", "Rendition",
    "ScopedQuerySet", "ScopesUsed", "ShareLink", "ShareLinkQuerySet", "Suggestion", "SuggestionItem",
    "SuggestionQuerySet", "SuggestionRefresh", "Tombstone", "YearReviewRequest", "derived_key", "face_crop_key", "local_capture_time",
    "original_key", "user_prefix",
]
