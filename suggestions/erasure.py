"""What revoking each scope erases from the library, registered with consent at start-up."""

from collections import Counter

from consent import scopes

from .models import (
    Backfill,
    Face,
    Home,
    MediaItem,
    Person,
    ProcessingRecord,
    Suggestion,
    SuggestionRefresh,
    Tombstone,
    user_prefix,
)
from .storage import delete_files, files_under

# What the ledger says about a stage that ran under a scope that is then withdrawn: the fact
# that it ran stays (the record of what was done under which consent), what it found goes.
ERASED_DETAIL = "Done. What it found was erased when you turned “{title}” off."


def _delete_suggestions(queryset):
    assets = [name for name in queryset.exclude(asset="").values_list("asset", flat=True)]
    count = queryset.count()
    queryset.delete()
    return Counter(suggestions=count, files=delete_files(assets))


def _scrub_ledger(user, scope):
    """Keep the ledger's record of a stage, but not the values it found (a place, a time, faces)."""
    from consent.scopes import SCOPES

    records = ProcessingRecord.objects.filter(media__owner=user, outcome=ProcessingRecord.Outcome.DONE)
    stages = {stage.name for stage in _stages() if stage.scope == scope}
    return records.filter(stage__in=stages).update(detail=ERASED_DETAIL.format(title=SCOPES[scope].title))


def _stages():
    from .pipeline import STAGES

    return STAGES


def _stop_backfills(user, scope):
    Backfill.objects.filter(owner=user, scope=scope).delete()


def erase_library(user):
    """Every original, preview, derived row and rendered suggestion, then anything left in storage."""
    items = MediaItem.objects.filter(owner=user)
    names = [name for item in items.only("original", "thumb_small", "thumb_large", "kind", "owner") for name in item.stored_files()]
    counts = Counter(media=items.count(), faces=Face.objects.filter(media__owner=user).count())
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user)))
    counts["people"] = Person.objects.filter(owner=user).count()
    Person.objects.filter(owner=user).delete()
    items.delete()
    Tombstone.objects.filter(owner=user).delete()
    Backfill.objects.filter(owner=user).delete()
    SuggestionRefresh.objects.filter(owner=user).delete()
    counts["files"] += delete_files(names)
    counts["files"] += delete_files(files_under(user_prefix(user.pk)))
    return counts


def erase_time(user):
    dated = MediaItem.objects.filter(owner=user).filter(captured_at__isnull=False)
    counts = Counter(capture_times=dated.count())
    MediaItem.objects.filter(owner=user).update(captured_at=None, captured_offset=None, camera="")
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user).using(scopes.TIME)))
    _scrub_ledger(user, scopes.TIME)
    _stop_backfills(user, scopes.TIME)
    return counts


def erase_location(user):
    items = MediaItem.objects.filter(owner=user)
    counts = Counter(
        locations=items.filter(latitude__isnull=False).count(),
        places=items.exclude(place="").count(),
        homes=Home.objects.filter(owner=user).delete()[0],
    )
    items.update(latitude=None, longitude=None, place="", region="", country_code="")
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user).using(scopes.LOCATION)))
    _scrub_ledger(user, scopes.LOCATION)
    _stop_backfills(user, scopes.LOCATION)
    return counts


def erase_themes(user):
    items = MediaItem.objects.filter(owner=user)
    counts = Counter(
        theme_measures=items.filter(quality__isnull=False).count(),
        burst_groups=items.exclude(burst="").values("burst").distinct().count(),
    )
    items.update(
        quality=None, sharpness=None, exposure=None, colourfulness=None, phash="", burst="", best_shot=True,
        night=None, indoor=None, colours=[],
    )
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user).using(scopes.THEMES)))
    _scrub_ledger(user, scopes.THEMES)
    _stop_backfills(user, scopes.THEMES)
    return counts


def erase_faces(user):
    """Boxes, encodings, people with their names and birthdays, kept crops, face suggestions."""
    faces = Face.objects.filter(media__owner=user)
    people = Person.objects.filter(owner=user)
    counts = Counter(
        faces=faces.count(),
        people=people.count(),
        names=people.exclude(name="").count(),
        birthdays=people.filter(birthday__isnull=False).count(),
    )
    people.update(cover_face=None)
    faces.delete()
    people.delete()
    counts["files"] += delete_files(files_under(f"{user_prefix(user.pk)}faces/"))
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user).using(scopes.FACES)))
    _scrub_ledger(user, scopes.FACES)
    _stop_backfills(user, scopes.FACES)
    return counts


ERASERS = {
    scopes.LIBRARY: erase_library,
    scopes.TIME: erase_time,
    scopes.LOCATION: erase_location,
    scopes.FACES: erase_faces,
    scopes.THEMES: erase_themes,
}
