"""The feed's reads, always scoped to an owner, and the library snapshot the generators read."""

from datetime import timedelta, timezone as dt_timezone

from django.db.models import Exists, F, OuterRef, Q
from django.shortcuts import get_object_or_404

from consent.scopes import FACES, LIBRARY, LOCATION, THEMES, TIME

from ..analysis.enhance import Enhancement
from ..generators.library import FaceBox, Library, PersonRow, Photo, Place
from ..models import Face, Home, MediaItem, Person, Suggestion, SuggestionItem, YearReviewRequest
from ..people.selectors import suggest_unnamed

SHOWN = (Suggestion.State.NEW, Suggestion.State.SEEN, Suggestion.State.SAVED)


def suggestions_visible(user):
    """A person's suggestions in any state, but none with someone they hid (the API filters by state).

    Most people hide no one: then the per-row check is left out of the feed's query."""
    suggestions = Suggestion.objects.filter(owner=user)
    if not Person.objects.filter(owner=user, hidden=True).exists():
        return suggestions
    hidden = SuggestionItem.objects.filter(suggestion=OuterRef("pk"), media__faces__person__hidden=True)
    return suggestions.exclude(Exists(hidden))


def feed_queryset(user):
    """What the feed shows a person: not dismissed, and nothing with someone they hid."""
    return (
        suggestions_visible(user)
        .filter(state__in=SHOWN)
        .order_by("-created_at", F("occasion_date").desc(nulls_last=True), "-id")
    )


def suggestion_owned(user, pk, queryset=None):
    """One of the person's suggestions; another person's, or a dismissed one (gone for good), is a 404."""
    queryset = queryset if queryset is not None else Suggestion.objects.all()
    return get_object_or_404(queryset.filter(owner=user).not_dismissed(), pk=pk)


def suggestion_any_state(user, pk):
    """One of the person's suggestions in any state (dismissed too), for actions that check it themselves."""
    return get_object_or_404(Suggestion, pk=pk, owner=user)


def face_boxes_of(items):
    """{media id: [(x, y, w, h), …]} of the items' faces, in displayed pixels."""
    boxes = {}
    for media_id, x, y, w, h in Face.objects.filter(media__in=items).values_list("media_id", "x", "y", "w", "h"):
        boxes.setdefault(media_id, []).append((x, y, w, h))
    return boxes


_OFFSETS = {}


def _local(captured_at, offset):
    """The camera's wall clock (MediaItem.captured_local, from a plain row)."""
    if offset not in _OFFSETS:
        _OFFSETS[offset] = timedelta(minutes=offset or 0)
    return captured_at.astimezone(dt_timezone.utc).replace(tzinfo=None) + _OFFSETS[offset]


def library_snapshot(owner_id, scopes, today):
    """A person's analysed photos, people and home as plain rows, read once per refresh as far as
    `scopes` allow: a field whose scope is off is None even if a paused grant left it stored."""
    scopes = frozenset(scopes)
    if LIBRARY not in scopes:
        return Library(owner_id=owner_id, today=today, scopes=scopes, photos=[])
    photos = _photos(owner_id, scopes)
    people, hidden_ids = _people(owner_id, photos) if FACES in scopes else ({}, set())
    return Library(
        owner_id=owner_id, today=today, scopes=scopes, photos=photos, people=people,
        home=_home(owner_id) if LOCATION in scopes else None, hidden_photo_ids=frozenset(hidden_ids),
        suggest_unnamed=FACES in scopes and suggest_unnamed(owner_id), review_years=review_years_asked(owner_id),
    )


def review_years_asked(owner_id):
    """The past years a person asked to see reviewed."""
    return frozenset(YearReviewRequest.objects.filter(owner_id=owner_id).values_list("year", flat=True))


def _photos(owner_id, scopes):
    use_time, use_place, use_themes = TIME in scopes, LOCATION in scopes, THEMES in scopes
    # Usable once the first pass (previews, time, places) is done; faces and themes may follow.
    rows = MediaItem.objects.filter(
        Q(status=MediaItem.Status.ANALYZED) | Q(status=MediaItem.Status.PROCESSING, analysis_pass=MediaItem.Pass.INGEST),
        owner_id=owner_id, kind=MediaItem.Kind.PHOTO,
    ).exclude(thumb_large="").exclude(width=None).values_list(
        "id", "width", "height", "captured_at", "captured_offset", "latitude", "longitude", "place", "region",
        "country_code", "quality", "phash", "burst", "best_shot", "enhancement", "night", "indoor",
    )
    photos = []
    for (
        pk, width, height, captured_at, offset, lat, lon, place, region, country, quality, phash, burst, best, plan,
        night, indoor,
    ) in rows:
        photo = Photo(id=pk, width=width, height=height)
        if use_time and captured_at is not None:
            photo.taken = _local(captured_at, offset)
            photo.instant = captured_at.timestamp()
        if use_place and lat is not None and lon is not None:
            photo.lat, photo.lon, photo.place, photo.region, photo.country = lat, lon, place, region, country
        if use_themes:
            photo.quality = quality
            photo.phash = int(phash, 16) if phash else None
            photo.burst, photo.best_shot = burst, best
            photo.edit = tuple(Enhancement.from_json(plan).corrections) if plan else ()
            photo.scene = "night" if night else {True: "indoor", False: "outdoor"}.get(indoor, "")
        photos.append(photo)
    photos.sort(key=lambda p: (p.instant is None, p.instant or 0, p.id))
    return photos


def _people(owner_id, photos):
    """({person id: PersonRow}, ids of photos showing someone hidden); sets each photo's faces."""
    people = {
        row[0]: PersonRow(*row)
        for row in Person.objects.filter(owner_id=owner_id).values_list("id", "name", "birthday", "hidden")
    }
    by_id = {photo.id: photo for photo in photos}
    faces, hidden_ids = {}, set()
    for media_id, person_id, x, y, w, h in Face.objects.filter(media__owner_id=owner_id).values_list(
        "media_id", "person_id", "x", "y", "w", "h"
    ):
        if media_id in by_id:
            faces.setdefault(media_id, []).append(FaceBox(x, y, w, h, person_id))
            person = people.get(person_id)
            if person is not None and person.hidden:
                hidden_ids.add(media_id)
    for media_id, boxes in faces.items():
        by_id[media_id].faces = tuple(boxes)
    return people, hidden_ids


def _home(owner_id):
    row = Home.objects.filter(owner_id=owner_id).values_list(
        "latitude", "longitude", "place", "region", "country_code"
    ).first()
    return Place(*row) if row else None
