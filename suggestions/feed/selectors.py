"""The feed's reads, always scoped to an owner, and the library snapshot the generators read."""

from datetime import datetime, timedelta, timezone as dt_timezone

from django.db.models import CharField, Exists, F, OuterRef, Q
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404
from django.utils import timezone

from consent.scopes import FACES, LIBRARY, LOCATION, THEMES, TIME

from ..analysis.enhance import Enhancement
from ..generators.text import KIND_NAMES
from ..generators.library import FaceBox, Library, PersonRow, Photo, Place
from ..models import (
    Face, FewerKind, HiddenRange, Home, MediaItem, Person, Suggestion, SuggestionItem, YearReviewRequest,
)
from ..people.selectors import suggest_unnamed

SHOWN = (Suggestion.State.NEW, Suggestion.State.SEEN, Suggestion.State.SAVED)


WITHHELD_PEOPLE = Q(hidden=True) | Q(feature=Person.Feature.NEVER)


def suggestions_visible(user):
    """A person's suggestions in any state, but none with someone they hid or never want featured
    (the API filters by state).

    Most people hide no one: then the per-row check is left out of the feed's query."""
    suggestions = Suggestion.objects.filter(owner=user)
    if not Person.objects.filter(WITHHELD_PEOPLE, owner=user).exists():
        return suggestions
    hidden = SuggestionItem.objects.filter(
        Q(media__faces__person__hidden=True) | Q(media__faces__person__feature=Person.Feature.NEVER),
        suggestion=OuterRef("pk"),
    )
    return suggestions.exclude(Exists(hidden))


def in_feed(suggestions):
    """Those that entered the feed and have not aged out, in the feed's order (feed/rank.py)."""
    return suggestions.filter(released_at__isnull=False, retired_at__isnull=True).order_by(
        F("feed_rank").asc(nulls_last=True), "-created_at", F("occasion_date").desc(nulls_last=True), "-id"
    )


def feed_queryset(user):
    """What the feed shows a person: not dismissed, entered and not aged out, nothing with someone they hid."""
    return in_feed(suggestions_visible(user).filter(state__in=SHOWN))


def fewer_kinds_of(owner_id):
    return set(FewerKind.objects.filter(owner_id=owner_id).values_list("kind", flat=True))


def hidden_ranges_of(owner_id):
    return list(HiddenRange.objects.filter(owner_id=owner_id))


def hidden_range_owned(user, pk):
    return get_object_or_404(HiddenRange, owner=user, pk=pk)


def _day_of(captured_at, offset, created_at):
    """The day a photo was taken (the camera's clock), or uploaded when its capture time is not known."""
    if captured_at is not None:
        return _local(captured_at, offset).date()
    return timezone.localdate(created_at)


def media_in_ranges(owner_id, ranges, media_ids=None):
    """Ids of the owner's items taken (or, without a capture time, uploaded) on a day of `ranges`
    ([(start, end)], inclusive)."""
    if not ranges:
        return set()
    rows = MediaItem.objects.filter(owner_id=owner_id)
    if media_ids is not None:
        rows = rows.filter(pk__in=list(media_ids))
    else:
        near = Q()
        for start, end in ranges:  # a day either side: the camera's clock may be ahead of or behind UTC
            low, high = start - timedelta(days=1), end + timedelta(days=2)
            near |= Q(captured_at__date__gte=low, captured_at__date__lt=high)
            near |= Q(captured_at__isnull=True, created_at__date__gte=low, created_at__date__lt=high)
        rows = rows.filter(near)
    return {
        pk for pk, captured_at, offset, created_at in rows.values_list("id", "captured_at", "captured_offset", "created_at")
        if any(start <= _day_of(captured_at, offset, created_at) <= end for start, end in ranges)
    }


def media_withheld(owner_id, media_ids):
    """Which of these items may not be shown in any suggestion or link: they show someone hidden or
    never to be featured, or were taken on a hidden day."""
    media_ids = set(media_ids)
    if not media_ids:
        return set()
    people = Face.objects.filter(media_id__in=media_ids, media__owner_id=owner_id).filter(
        Q(person__hidden=True) | Q(person__feature=Person.Feature.NEVER)
    )
    ranges = [(r.start, r.end) for r in hidden_ranges_of(owner_id)]
    return set(people.values_list("media_id", flat=True)) | media_in_ranges(owner_id, ranges, media_ids)


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


_EPOCH = datetime(1970, 1, 1)


def _clock(text, offset):
    """(the camera's wall clock, seconds since the epoch) from a capture time read as text: parsing
    it here costs a fraction of the ORM's conversion to an aware datetime, on 20,000 rows a refresh."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt_timezone.utc).replace(tzinfo=None)
    if offset not in _OFFSETS:
        _OFFSETS[offset] = timedelta(minutes=offset or 0)
    return moment + _OFFSETS[offset], (moment - _EPOCH).total_seconds()


def library_snapshot(owner_id, scopes, today):
    """A person's analysed photos, people and home as plain rows, read once per refresh as far as
    `scopes` allow: a field whose scope is off is None even if a paused grant left it stored."""
    scopes = frozenset(scopes)
    if LIBRARY not in scopes:
        return Library(owner_id=owner_id, today=today, scopes=scopes, photos=[])
    ranges = tuple((r.start, r.end) for r in hidden_ranges_of(owner_id))
    photos = _photos(owner_id, scopes, media_in_ranges(owner_id, ranges))
    people, hidden_ids = _people(owner_id, photos) if FACES in scopes else ({}, set())
    return Library(
        owner_id=owner_id, today=today, scopes=scopes, photos=photos, people=people,
        home=_home(owner_id) if LOCATION in scopes else None, hidden_photo_ids=frozenset(hidden_ids),
        suggest_unnamed=FACES in scopes and suggest_unnamed(owner_id), review_years=review_years_asked(owner_id),
        featured_less=frozenset(pid for pid, person in people.items() if person.less), hidden_ranges=ranges,
    )


def year_reviews_of(user):
    return YearReviewRequest.objects.filter(owner=user).order_by("-year")


def review_years_asked(owner_id):
    """The past years a person asked to see reviewed."""
    return frozenset(YearReviewRequest.objects.filter(owner_id=owner_id).values_list("year", flat=True))


def _photos(owner_id, scopes, left_out=frozenset()):
    use_time, use_place, use_themes = TIME in scopes, LOCATION in scopes, THEMES in scopes
    # Usable once the first pass (previews, time, places) is done; faces and themes may follow.
    rows = MediaItem.objects.filter(
        Q(status=MediaItem.Status.ANALYZED) | Q(status=MediaItem.Status.PROCESSING, analysis_pass=MediaItem.Pass.INGEST),
        owner_id=owner_id, kind=MediaItem.Kind.PHOTO,
    ).exclude(thumb_large="").exclude(width=None).annotate(captured_text=Cast("captured_at", CharField())).values_list(
        "id", "width", "height", "captured_text", "captured_offset", "latitude", "longitude", "place", "region",
        "country_code", "quality", "phash", "burst", "best_shot", "enhancement", "night", "indoor",
    )
    photos = []
    for (
        pk, width, height, captured_at, offset, lat, lon, place, region, country, quality, phash, burst, best, plan,
        night, indoor,
    ) in rows:
        if pk in left_out:
            continue
        photo = Photo(id=pk, width=width, height=height)
        if use_time and captured_at is not None:
            photo.taken, photo.instant = _clock(captured_at, offset)
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


def people_rows(owner_id):
    """{person id: PersonRow}; `hidden` also when they are never to be featured."""
    return {
        pk: PersonRow(pk, name, birthday, hidden or feature == Person.Feature.NEVER, feature == Person.Feature.LESS)
        for pk, name, birthday, hidden, feature in Person.objects.filter(owner_id=owner_id).values_list(
            "id", "name", "birthday", "hidden", "feature"
        )
    }


def _people(owner_id, photos):
    """({person id: PersonRow}, ids of photos showing someone hidden or never featured); sets each photo's faces."""
    people = people_rows(owner_id)
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


def people_in(owner_id, media_ids):
    """{media id: [Person]} of the named people in these items (none hidden)."""
    people = {}
    faces = Face.objects.filter(media_id__in=media_ids, media__owner_id=owner_id, person__hidden=False).exclude(
        person__name=""
    ).select_related("person")
    for face in faces:
        people.setdefault(face.media_id, set()).add(face.person)
    return people


def controls_panel(user):
    """The privacy centre's “What is suggested” section: every control in force, each with its undo."""
    return {
        "controlled_people": list(Person.objects.filter(owner=user).exclude(feature="").order_by("name", "id")),
        "hidden_ranges": hidden_ranges_of(user.pk),
        "fewer_kinds": [(kind, KIND_NAMES.get(kind, kind)) for kind in sorted(fewer_kinds_of(user.pk))],
    }
