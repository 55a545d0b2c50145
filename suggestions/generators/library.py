"""A person's analysed library as plain rows, loaded once per refresh and read by every generator.

Only the data of scopes in force is loaded: a field whose scope is off is None here even if a
paused grant left it in the database, so a generator cannot use what it may not.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone as dt_timezone
from functools import cached_property

from consent.scopes import FACES, LIBRARY, LOCATION, THEMES, TIME

from ..analysis.enhance import Enhancement

@dataclass(frozen=True, slots=True)
class FaceBox:
    x: int
    y: int
    w: int
    h: int
    person_id: int | None


@dataclass(slots=True)
class Photo:
    id: int
    width: int
    height: int
    taken: datetime | None = None  # the camera's wall clock, naive
    instant: float | None = None  # seconds since the epoch, for gaps between photos
    lat: float | None = None
    lon: float | None = None
    place: str = ""
    region: str = ""
    country: str = ""
    quality: float | None = None
    phash: int | None = None
    burst: str = ""
    best_shot: bool = True
    scene: str = ""  # "night", "indoor" or "outdoor" when the light tells (themes)
    edit: tuple = ()  # what an automatic edit would improve ("brighter", …); empty when it needs none
    faces: tuple = ()

    @property
    def located(self):
        return self.lat is not None and self.lon is not None

    @property
    def day(self):
        return self.taken.date()

    @property
    def aspect(self):
        return self.width / self.height if self.height else 1.0


@dataclass(frozen=True, slots=True)
class PersonRow:
    id: int
    name: str
    birthday: date | None
    hidden: bool


@dataclass(frozen=True, slots=True)
class Place:
    lat: float
    lon: float
    place: str = ""
    region: str = ""
    country: str = ""


@dataclass
class Library:
    owner_id: int
    today: date
    scopes: frozenset
    photos: list  # every displayable photo, in capture order (undated ones last, by id)
    people: dict = field(default_factory=dict)
    home: Place | None = None
    hidden_photo_ids: frozenset = frozenset()  # photos showing someone hidden: never shown (choose drops them)
    cache: dict = field(default_factory=dict)  # what one generator computes and another reuses (events)

    @cached_property
    def dated(self):
        """Photos with a capture time, in capture order."""
        return [p for p in self.photos if p.instant is not None]

    @cached_property
    def by_id(self):
        return {photo.id: photo for photo in self.photos}

    @cached_property
    def home_place(self):
        """The stored home area, or the one the library itself shows most often (on most days)."""
        if LOCATION not in self.scopes:
            return None
        return self.home or home_from_photos(self.photos)

    def allows(self, *keys):
        return all(key in self.scopes for key in keys)


def centre_of(photos):
    """The mean position of the located photos, or None."""
    located = [p for p in photos if p.located]
    if not located:
        return None
    return sum(p.lat for p in located) / len(located), sum(p.lon for p in located) / len(located)


def home_from_photos(photos):
    """The ~10 km cell where photos were taken on the most distinct days."""
    days = {}
    for photo in photos:
        if photo.located and photo.taken is not None:
            cell = (round(photo.lat, 1), round(photo.lon, 1))
            days.setdefault(cell, set()).add(photo.day)
    if not days:
        return None
    cell = max(days, key=lambda key: (len(days[key]), key))
    inside = [p for p in photos if p.located and (round(p.lat, 1), round(p.lon, 1)) == cell]
    names = Counter((p.place, p.region, p.country) for p in inside).most_common(1)[0][0]
    return Place(
        lat=sum(p.lat for p in inside) / len(inside), lon=sum(p.lon for p in inside) / len(inside), place=names[0],
        region=names[1], country=names[2],
    )


_OFFSETS = {}


def _local(captured_at, offset):
    """The camera's wall clock (MediaItem.captured_local, from a plain row)."""
    if offset not in _OFFSETS:
        _OFFSETS[offset] = timedelta(minutes=offset or 0)
    return captured_at.astimezone(dt_timezone.utc).replace(tzinfo=None) + _OFFSETS[offset]


def library_load(owner_id, scopes, today):
    """Read a person's analysed photos, people and home once, as far as `scopes` allow."""
    from ..models import Face, Home, MediaItem, Person

    scopes = frozenset(scopes)
    if LIBRARY not in scopes:
        return Library(owner_id=owner_id, today=today, scopes=scopes, photos=[])
    use_time, use_place, use_themes = TIME in scopes, LOCATION in scopes, THEMES in scopes
    rows = MediaItem.objects.filter(
        owner_id=owner_id, kind=MediaItem.Kind.PHOTO, status=MediaItem.Status.ANALYZED
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

    people, hidden_ids = {}, set()
    if FACES in scopes:
        people = {
            row[0]: PersonRow(*row)
            for row in Person.objects.filter(owner_id=owner_id).values_list("id", "name", "birthday", "hidden")
        }
        by_id = {photo.id: photo for photo in photos}
        faces = {}
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

    home = None
    if use_place:
        row = Home.objects.filter(owner_id=owner_id).values_list(
            "latitude", "longitude", "place", "region", "country_code"
        ).first()
        home = Place(*row) if row else None
    return Library(
        owner_id=owner_id, today=today, scopes=scopes, photos=photos, people=people, home=home,
        hidden_photo_ids=frozenset(hidden_ids),
    )
