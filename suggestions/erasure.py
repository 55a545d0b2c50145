"""What revoking each scope erases from the library, registered with consent at start-up."""

from collections import Counter

from consent import scopes

from .models import Face, Home, MediaItem, Person, Suggestion, SuggestionRefresh, Tombstone, user_prefix
from .storage import delete_files, files_under


def _delete_suggestions(queryset):
    assets = [name for name in queryset.exclude(asset="").values_list("asset", flat=True)]
    count = queryset.count()
    queryset.delete()
    return Counter(suggestions=count, files=delete_files(assets))


def erase_library(user):
    """Every original, preview, derived row and rendered suggestion, then anything left in storage."""
    items = MediaItem.objects.filter(owner=user)
    names = [name for item in items.only("original", "thumb_small", "thumb_large") for name in item.stored_files()]
    counts = Counter(media=items.count(), faces=Face.objects.filter(media__owner=user).count())
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user)))
    counts["people"] = Person.objects.filter(owner=user).count()
    Person.objects.filter(owner=user).delete()
    items.delete()
    Tombstone.objects.filter(owner=user).delete()
    SuggestionRefresh.objects.filter(owner=user).delete()
    counts["files"] += delete_files(names)
    counts["files"] += delete_files(files_under(user_prefix(user.pk)))
    return counts


def erase_time(user):
    dated = MediaItem.objects.filter(owner=user).filter(captured_at__isnull=False)
    counts = Counter(capture_times=dated.count())
    MediaItem.objects.filter(owner=user).update(captured_at=None, captured_offset=None, camera="")
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user).using(scopes.TIME)))
    return counts


def erase_location(user):
    located = MediaItem.objects.filter(owner=user).filter(latitude__isnull=False)
    counts = Counter(locations=located.count(), homes=Home.objects.filter(owner=user).delete()[0])
    MediaItem.objects.filter(owner=user).update(latitude=None, longitude=None, place="", region="", country_code="")
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user).using(scopes.LOCATION)))
    return counts


def erase_themes(user):
    measured = MediaItem.objects.filter(owner=user).filter(quality__isnull=False)
    counts = Counter(theme_measures=measured.count())
    MediaItem.objects.filter(owner=user).update(
        quality=None, sharpness=None, exposure=None, colourfulness=None, phash="", burst="", best_shot=True,
        night=None, indoor=None, colours=[],
    )
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user).using(scopes.THEMES)))
    return counts


def erase_faces(user):
    faces = Face.objects.filter(media__owner=user)
    counts = Counter(faces=faces.count())
    faces.delete()
    counts["people"] = Person.objects.filter(owner=user).count()
    Person.objects.filter(owner=user).delete()
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user).using(scopes.FACES)))
    return counts


ERASERS = {
    scopes.LIBRARY: erase_library,
    scopes.TIME: erase_time,
    scopes.LOCATION: erase_location,
    scopes.FACES: erase_faces,
    scopes.THEMES: erase_themes,
}
