"""A person's analysed library as plain rows (built once per refresh by
feed.selectors.library_snapshot) and read by every generator.

Only the data of scopes in force is in it: a field whose scope is off is None here even if a
paused grant left it in the database, so a generator cannot use what it may not.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from consent.scopes import LOCATION


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
    hidden: bool  # hidden, or never to be featured: no suggestion shows them
    less: bool = False  # to be featured less: no memory is about them


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
    suggest_unnamed: bool = False  # the person asked for memories of people they have not named
    review_years: frozenset = frozenset()  # past years the person asked to see reviewed
    featured_less: frozenset = frozenset()  # people to feature less: no memory is about them
    hidden_ranges: tuple = ()  # (start, end) days hidden from suggestions: their photos are not in `photos`
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
