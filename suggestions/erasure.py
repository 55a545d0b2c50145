"""What revoking each scope erases of this app, registered with consent at start-up.

One person's data spans every feature (an item, its faces, the suggestions and edits made from
it), and the order matters (counts are taken before rows cascade away), so the app answers
consent's eraser registry here, above the features, as DESIGN.md's "each app registers an
eraser per scope" has it; share links have their own erasers, registered first.
"""

from collections import Counter

from django.db.models import Q

from consent import scopes
from rollweb.storage import delete_files, files_under, rows_delete

from .edits.services import renditions_delete
from .library.changes import library_changed
from .library.registry import stage_names
from .library.resumable import resumable_erase
from .models import (
    Backfill,
    Face,
    FewerKind,
    HiddenRange,
    Home,
    MediaItem,
    PeoplePreference,
    Person,
    ProcessingRecord,
    Rendition,
    Suggestion,
    SuggestionRefresh,
    Tombstone,
    YearReviewRequest,
    face_crop_key,
    user_prefix,
)

# What the ledger says about a stage that ran under a scope that is then withdrawn: the fact
# that it ran stays (the record of what was done under which consent), what it found goes.
ERASED_DETAIL = "Done. What it found was erased when you turned “{title}” off."


def _delete_suggestions(queryset):
    count, files = rows_delete(queryset, "asset")
    return Counter(suggestions=count, files=files)


def erase_library(user, walked=False):
    """Every original, preview, derived row and rendered suggestion, then anything left in storage.
    `walked`: the chunks (library_chunk) have deleted the items already."""
    items = MediaItem.objects.filter(owner=user)
    listed = items.only("original", "thumb_small", "thumb_large", "kind", "owner").prefetch_related("renditions")
    names = [name for item in listed for name in item.stored_files()]
    counts = Counter(media=items.count())
    if not walked:
        counts["faces"] = Face.objects.filter(media__owner=user).count()
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user)))
    counts["people"] = Person.objects.filter(owner=user).count()
    Person.objects.filter(owner=user).delete()
    items.delete()
    library_changed(user.pk)
    Tombstone.objects.filter(owner=user).delete()
    Backfill.objects.filter(owner=user).delete()
    SuggestionRefresh.objects.filter(owner=user).delete()
    resumable_erase(user)
    # What the person chose about suggestions of this library (days hidden name days of it).
    for model in (HiddenRange, FewerKind, PeoplePreference, YearReviewRequest):
        model.objects.filter(owner=user).delete()
    counts["files"] += delete_files(names)
    counts["files"] += delete_files(files_under(user_prefix(user.pk)))
    return counts


# The fields of a media item each scope fills in; erasing the scope resets them to their
# defaults. One list serves the eraser and the check that nothing of it remains.
SCOPE_FIELDS = {
    scopes.TIME: ("captured_at", "captured_offset", "camera"),
    scopes.LOCATION: ("latitude", "longitude", "place", "region", "country_code"),
    scopes.THEMES: (
        "quality", "sharpness", "exposure", "colourfulness", "phash", "burst", "best_shot", "night", "indoor",
        "colours", "enhancement", "subject",
    ),
}


def _defaults(scope):
    return {name: MediaItem._meta.get_field(name).get_default() for name in SCOPE_FIELDS[scope]}


def _filled(scope):
    """Items where any field of the scope holds something other than its default."""
    condition = Q()
    for name, default in _defaults(scope).items():
        condition |= Q(**{f"{name}__isnull": False}) if default is None else ~Q(**{name: default})
    return condition


def _reset_fields(user, scope):
    MediaItem.objects.filter(owner=user).filter(_filled(scope)).update(**_defaults(scope))


def _erased_detail(scope):
    return ERASED_DETAIL.format(title=scopes.SCOPES[scope].title)


def _ledger_of(user, scope):
    """The ledger's records of what a scope's stages found (not yet redacted)."""
    return ProcessingRecord.objects.filter(
        media__owner=user, stage__in=stage_names(scope), outcome=ProcessingRecord.Outcome.DONE
    ).exclude(detail=_erased_detail(scope))


def _redact_ledger(user, scope):
    """Keep the ledger's record of a stage, but not the values it found (a place, a time, faces)."""
    return _ledger_of(user, scope).update(detail=_erased_detail(scope))


def _stop_backfills(user, scope):
    Backfill.objects.filter(owner=user, scope=scope).delete()


def _forget(user, scope, walked=False):
    """What every scope eraser does after its own rows: reset fields, redact the ledger, drop
    the suggestions and saved edits that used the scope and any backfill still running under it.
    `walked`: the chunks have reset the fields and redacted the ledger item by item already."""
    if not walked:
        if scope in SCOPE_FIELDS:
            _reset_fields(user, scope)
        _redact_ledger(user, scope)
    _stop_backfills(user, scope)
    library_changed(user.pk)
    counts = Counter(renditions_delete(Rendition.objects.filter(owner=user).using_scope(scope)))
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user).using_scope(scope)))
    return counts


def erase_time(user, walked=False):
    counts = Counter()
    if not walked:
        counts["capture_times"] = MediaItem.objects.filter(owner=user, captured_at__isnull=False).count()
    counts.update(_forget(user, scopes.TIME, walked))
    return counts


def erase_location(user, walked=False):
    items = MediaItem.objects.filter(owner=user)
    counts = Counter(homes=Home.objects.filter(owner=user).delete()[0])
    if not walked:
        counts.update(locations=items.filter(latitude__isnull=False).count(), places=items.exclude(place="").count())
    counts.update(_forget(user, scopes.LOCATION, walked))
    return counts


def erase_themes(user, walked=False):
    items = MediaItem.objects.filter(owner=user)
    counts = Counter()
    if not walked:
        counts.update(
            theme_measures=items.filter(quality__isnull=False).count(),
            burst_groups=items.exclude(burst="").values("burst").distinct().count(),
        )
    counts.update(_forget(user, scopes.THEMES, walked))
    return counts


def erase_faces(user, walked=False):
    """Boxes, encodings, people with their names and birthdays, kept crops, face suggestions.
    `walked`: the chunks (faces_chunk) have deleted the faces already."""
    faces = Face.objects.filter(media__owner=user)
    people = Person.objects.filter(owner=user)
    counts = Counter(
        people=people.count(),
        names=people.exclude(name="").count(),
        birthdays=people.filter(birthday__isnull=False).count(),
    )
    people.update(cover_face=None)
    if not walked:
        counts["faces"] = faces.count()
        faces.delete()
    people.delete()
    counts["files"] += delete_files(files_under(f"{user_prefix(user.pk)}faces/"))
    counts.update(_forget(user, scopes.FACES, walked))
    return counts


def media_batches(user, after, limit):
    """The person's item ids above `after`, in order: the chunks a large erasure walks."""
    items = MediaItem.objects.filter(owner=user)
    if after is not None:
        items = items.filter(pk__gt=after)
    return list(items.order_by("pk").values_list("pk", flat=True)[:limit])


def _chunk_ledger(user, scope, ids):
    return _ledger_of(user, scope).filter(media_id__in=ids).update(detail=_erased_detail(scope))


def library_chunk(user, ids):
    """Delete a chunk of items with their rows; their stored files are deleted after the commit."""
    items = MediaItem.objects.filter(owner=user, pk__in=ids)
    listed = items.only("original", "thumb_small", "thumb_large", "kind", "owner").prefetch_related("renditions")
    names = [name for item in listed for name in item.stored_files()]
    counts = Counter(faces=Face.objects.filter(media__in=ids).count())
    Person.objects.filter(owner=user, cover_face__media__in=ids).update(cover_face=None)
    counts["media"] = items.delete()[1].get(MediaItem._meta.label, 0)
    library_changed(user.pk)
    return counts, names


def faces_chunk(user, ids):
    """`ids` are the person's own items (media_batches): their faces go in one DELETE, once no
    person shows one of them as a cover (the only row that points at a face)."""
    faces = Face.objects.filter(media_id__in=ids)
    names = [face_crop_key(user.pk, pk) for pk in faces.filter(media__kind=MediaItem.Kind.VIDEO).values_list("pk", flat=True)]
    Person.objects.filter(owner=user, cover_face__in=faces).update(cover_face=None)
    counts = Counter(faces=faces._raw_delete(faces.db))
    library_changed(user.pk)
    _chunk_ledger(user, scopes.FACES, ids)
    return counts, names


def _fields_chunk(scope, measures):
    def chunk(user, ids):
        items = MediaItem.objects.filter(owner=user, pk__in=ids)
        counts = Counter({key: measure(items) for key, measure in measures.items()})
        items.filter(_filled(scope)).update(**_defaults(scope))
        library_changed(user.pk)
        _chunk_ledger(user, scope, ids)
        return counts, []

    return chunk


CHUNKS = {
    scopes.LIBRARY: library_chunk,
    scopes.FACES: faces_chunk,
    scopes.TIME: _fields_chunk(scopes.TIME, {"capture_times": lambda items: items.filter(captured_at__isnull=False).count()}),
    scopes.LOCATION: _fields_chunk(scopes.LOCATION, {
        "locations": lambda items: items.filter(latitude__isnull=False).count(),
        "places": lambda items: items.exclude(place="").count(),
    }),
    scopes.THEMES: _fields_chunk(scopes.THEMES, {"theme_measures": lambda items: items.filter(quality__isnull=False).count()}),
}


ERASERS = {
    scopes.LIBRARY: erase_library,
    scopes.TIME: erase_time,
    scopes.LOCATION: erase_location,
    scopes.FACES: erase_faces,
    scopes.THEMES: erase_themes,
}


def _remains_of(scope, **extra):
    def remains(user):
        counts = {
            f"items with {scope} fields": MediaItem.objects.filter(owner=user).filter(_filled(scope)).count()
            if scope in SCOPE_FIELDS else 0,
            f"{scope} suggestions": Suggestion.objects.filter(owner=user).using_scope(scope).count(),
            f"{scope} edits": Rendition.objects.filter(owner=user).using_scope(scope).count(),
            f"{scope} findings in processing records": _ledger_of(user, scope).count(),
        }
        counts.update({label: query(user).count() for label, query in extra.items()})
        return counts

    return remains


REMAINS = {
    scopes.TIME: _remains_of(scopes.TIME),
    scopes.LOCATION: _remains_of(scopes.LOCATION, homes=lambda user: Home.objects.filter(owner=user)),
    scopes.THEMES: _remains_of(scopes.THEMES),
    scopes.FACES: _remains_of(
        scopes.FACES,
        faces=lambda user: Face.objects.filter(media__owner=user),
        people=lambda user: Person.objects.filter(owner=user),
    ),
}
