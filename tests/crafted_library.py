"""A whole camera roll for the memory tests: eight years at home in London, twelve trips (some
abroad, most older than a year), five named people and one unnamed, 2,000 analysed photos.

Rows only (no files), written in bulk, the same every run. `crafted_library(user)` builds it and
answers what the tests need to know about it: who is who, and where and when each trip was.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from suggestions.models import Face, Home, MediaItem, Person

from .crafted import PLACES

TODAY = date(2024, 6, 20)
FIRST_DAY = date(2017, 1, 1)
PHOTOS = 2000


@dataclass(frozen=True)
class TripPlan:
    start: date
    days: int
    cities: tuple  # visited in turn, the days shared out between them
    per_day: int = 8
    with_people: tuple = ()

    @property
    def end(self):
        return self.start + timedelta(days=self.days - 1)


TRIPS = (
    TripPlan(date(2017, 5, 12), 4, ("paris",), with_people=("Ben", "Cleo")),
    TripPlan(date(2018, 9, 20), 6, ("florence", "siena", "arezzo")),
    TripPlan(date(2019, 4, 10), 5, ("florence", "rome"), with_people=("Ada",)),
    TripPlan(date(2019, 8, 2), 3, ("edinburgh",)),
    TripPlan(date(2020, 2, 14), 3, ("berlin",), with_people=("Ben", "Cleo")),
    TripPlan(date(2021, 7, 1), 5, ("lisbon",), with_people=("Ada",)),
    TripPlan(date(2022, 5, 3), 4, ("madrid",)),
    TripPlan(date(2022, 6, 18), 4, ("barcelona",), with_people=("Ada",)),
    TripPlan(date(2023, 4, 1), 7, ("kyoto", "osaka"), per_day=7),
    TripPlan(date(2023, 8, 10), 4, ("penzance",), with_people=("Ada",)),
    TripPlan(date(2023, 12, 28), 3, ("amsterdam",)),
    TripPlan(date(2024, 5, 1), 3, ("florence",), with_people=("Ada",)),
)

# name: (birthday, share of everyday photos they are in, last day they appear)
PEOPLE = {
    "Ada": (date(2017, 3, 14), 0.35, None),  # the child, photographed every year
    "Ben": (None, 0.2, None),  # Ben and Cleo: the couple, nearly always together
    "Cleo": (date(1988, 11, 2), 0.2, None),
    "Dan": (None, 0.15, TODAY - timedelta(days=240)),  # not seen for eight months
    "Eve": (None, 0.05, None),
    "": (None, 0.15, None),  # someone often there whom the person never named
}


@dataclass
class Crafted:
    user: object
    today: date
    people: dict  # name ("" for the unnamed one): Person
    trips: tuple = TRIPS
    items: list = field(default_factory=list)


def _trip_moments(rng):
    """(moment, city, people) of every trip photo."""
    out = []
    for trip in TRIPS:
        for day in range(trip.days):
            city = trip.cities[day * len(trip.cities) // trip.days]
            moment = datetime.combine(trip.start + timedelta(days=day), datetime.min.time()).replace(hour=9)
            for _ in range(trip.per_day):
                moment += timedelta(minutes=rng.randint(15, 45))
                out.append((moment, city, [name for name in trip.with_people if rng.random() < 0.5]))
    return out


def _everyday_people(rng, day):
    names = [name for name, (_, share, last) in PEOPLE.items() if (last is None or day <= last) and rng.random() < share]
    if ("Ben" in names) != ("Cleo" in names) and rng.random() < 0.8:
        names = sorted({*names, "Ben", "Cleo"})
    return names


def _everyday_moments(rng, count):
    """(moment, city, people) of outings at home, every few days, and of Ada's birthday each year."""
    trip_days = {trip.start + timedelta(days=d) for trip in TRIPS for d in range(-1, trip.days + 1)}
    birthdays = {date(year, 3, 14) for year in range(2017, TODAY.year + 1)}
    out, day = [], FIRST_DAY
    while day < TODAY:
        if day in birthdays:
            moment = datetime.combine(day, datetime.min.time()).replace(hour=15)
            out += [(moment + timedelta(minutes=10 * i), "london", ["Ada", "Ben"]) for i in range(10)]
        elif day not in trip_days and rng.random() < 0.16:
            moment = datetime.combine(day, datetime.min.time()).replace(hour=rng.randint(9, 16))
            city = "croydon" if rng.random() < 0.2 else "london"
            for _ in range(rng.randint(3, 8)):
                moment += timedelta(minutes=rng.randint(5, 30))
                out.append((moment, city, _everyday_people(rng, day)))
        day += timedelta(days=1)
    return [out[index] for index in sorted(rng.sample(range(len(out)), min(count, len(out))))]


def _item(user, serial, moment, city, rng):
    lat, lon, place, region, country = PLACES[city]
    return MediaItem(
        owner=user, kind="photo", status="analyzed", original=f"users/{user.pk}/originals/c{serial}.jpg",
        sha256=f"c{user.pk:07d}{serial:056d}", original_name=f"IMG_{serial:04d}.jpg", mime="image/jpeg",
        bytes=3_000_000, width=4000, height=3000, thumb_small=f"users/{user.pk}/thumbs/c{serial}s.jpg",
        thumb_large=f"users/{user.pk}/thumbs/c{serial}l.jpg",
        captured_at=moment.replace(tzinfo=timezone.utc), captured_offset=0,
        latitude=lat + rng.uniform(-0.01, 0.01), longitude=lon + rng.uniform(-0.01, 0.01), place=place, region=region,
        country_code=country, quality=rng.uniform(0.3, 1.0), phash=f"{rng.getrandbits(64):016x}", best_shot=True,
    )


def crafted_library(user, photos=PHOTOS, today=TODAY, seed=15):
    """Write the crafted library for `user` (about `photos` analysed photos) and describe it."""
    rng = random.Random(seed)
    trip_moments = _trip_moments(rng)
    moments = sorted(trip_moments + _everyday_moments(rng, photos - len(trip_moments)), key=lambda m: m[0])
    people = {name: Person(owner=user, name=name, birthday=PEOPLE[name][0]) for name in PEOPLE}
    Person.objects.bulk_create(people.values())
    home = PLACES["london"]
    Home.objects.create(owner=user, latitude=home[0], longitude=home[1], place=home[2], region=home[3],
                        country_code=home[4])
    items = MediaItem.objects.bulk_create(
        [_item(user, serial, moment, city, rng) for serial, (moment, city, _) in enumerate(moments)], batch_size=1000
    )
    faces = [
        Face(media=item, person=people[name], x=300 + 900 * slot, y=800, w=500, h=500, encoding=bytes(512))
        for item, (_, _, names) in zip(items, moments)
        for slot, name in enumerate(names[:4])
    ]
    Face.objects.bulk_create(faces, batch_size=1000)
    return Crafted(user=user, today=today, people=people, items=items)
