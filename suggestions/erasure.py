"""What revoking each scope erases from the library, registered with consent at start-up."""

from collections import Counter

from django.db.models import Q

from consent import scopes

from .models import Face, Home, MediaItem, Person, ProcessingRecord, Suggestion, Tombstone, user_prefix
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
        "colours",
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
    MediaItem.objects.filter(owner=user).update(**_defaults(scope))


def _stage_names(scope):
    from .pipeline import STAGES

    return [stage.name for stage in STAGES if stage.scope == scope]


def _ledger_of(user, scope):
    return ProcessingRecord.objects.filter(
        media__owner=user, stage__in=_stage_names(scope), outcome=ProcessingRecord.Outcome.DONE
    ).exclude(detail=LEDGER_ERASED)


LEDGER_ERASED = "Done. What it found was erased when consent to it was withdrawn."


def _redact_ledger(user, scope):
    """A stage's record says what it found (a time, coordinates): keep that it ran, not what it read."""
    return _ledger_of(user, scope).update(detail=LEDGER_ERASED)


def erase_time(user):
    dated = MediaItem.objects.filter(owner=user).filter(captured_at__isnull=False)
    counts = Counter(capture_times=dated.count())
    _reset_fields(user, scopes.TIME)
    _redact_ledger(user, scopes.TIME)
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user).using(scopes.TIME)))
    return counts


def erase_location(user):
    located = MediaItem.objects.filter(owner=user).filter(latitude__isnull=False)
    counts = Counter(locations=located.count(), homes=Home.objects.filter(owner=user).delete()[0])
    _reset_fields(user, scopes.LOCATION)
    _redact_ledger(user, scopes.LOCATION)
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user).using(scopes.LOCATION)))
    return counts


def erase_themes(user):
    measured = MediaItem.objects.filter(owner=user).filter(quality__isnull=False)
    counts = Counter(theme_measures=measured.count())
    _reset_fields(user, scopes.THEMES)
    _redact_ledger(user, scopes.THEMES)
    counts.update(_delete_suggestions(Suggestion.objects.filter(owner=user).using(scopes.THEMES)))
    return counts


def erase_faces(user):
    faces = Face.objects.filter(media__owner=user)
    counts = Counter(faces=faces.count())
    faces.delete()
    _redact_ledger(user, scopes.FACES)
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


def erase_item_copies(item):
    """What holds a copy of an item besides its own rows and files: the suggestions it is
    part of (a rendered collage has its pixels) and the person's data exports."""
    from consent.export import erase_exports

    counts = _delete_suggestions(Suggestion.objects.filter(media=item))
    counts.update(erase_exports(item.owner))
    return counts


def _remains_of(scope, **extra):
    def remains(user):
        counts = {
            f"items with {scope} fields": MediaItem.objects.filter(owner=user).filter(_filled(scope)).count()
            if scope in SCOPE_FIELDS else 0,
            f"{scope} suggestions": Suggestion.objects.filter(owner=user).using(scope).count(),
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
