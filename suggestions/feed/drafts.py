"""The drafts of a person's library, made again only where the library changed.

Generators are pure, so a generator given the same library makes the same drafts. A refresh
keeps, in the cache, each generator's drafts with what they were made from: a digest of the
library's context (the date, scopes, people, home, controls, the generators' own code) and one
digest per day of photos. When the context is unchanged, only the generators that a changed day
can reach run again; the rest give their kept drafts. Most generators read every photo (events,
trips, people, …) and run again on any change; the ones whose drafts depend only on photos of
certain days (on this day, seasons, holidays) say here which days those are. A new date, consent,
control or person runs every generator.
"""

import hashlib
from dataclasses import dataclass, fields
from datetime import timedelta
from operator import attrgetter
from pathlib import Path

from django.core.cache import cache

from .. import generators as generators_package
from ..generators import GENERATORS, drafts_merged, holidays, on_this_day, seasons
from ..generators.dates import occurrence
from ..generators.library import Photo

KEEP_SECONDS = 2 * 24 * 3600  # past the nightly refresh, which starts again anyway (a new date)


def _code_digest():
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(Path(generators_package.__file__).parent.rglob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.digest()


CODE = _code_digest()
_PHOTO_FIELDS = attrgetter(*(f.name for f in fields(Photo)))


@dataclass
class Kept:
    context: bytes
    days: dict  # {day (None: undated): (digest, countries)}
    drafts: dict  # {generator name: [Draft]}


def _key(owner_id):
    return f"feed-drafts:{owner_id}"


def _name(generator):
    return generator.__name__.rsplit(".", 1)[-1]


def _digest(value):
    return hashlib.blake2b(repr(value).encode(), digest_size=16).digest()


def _context(library):
    return _digest((
        CODE, library.today, sorted(library.scopes), sorted(library.people.items()), library.home,
        library.home_place, sorted(library.hidden_photo_ids), library.suggest_unnamed, sorted(library.review_years),
        sorted(library.featured_less), library.hidden_ranges,
    ))


def _days(library):
    """{day: (digest of its photos, countries)}; undated photos under None."""
    by_day = {}
    for photo in library.photos:
        by_day.setdefault(photo.taken.date() if photo.instant is not None else None, []).append(photo)
    return {
        day: (_digest([_PHOTO_FIELDS(photo) for photo in photos]), frozenset(p.country for p in photos if p.country))
        for day, photos in by_day.items()
    }


def _on_this_day_reached(library, changed):
    today, window = library.today, timedelta(days=on_this_day.WINDOW_DAYS)
    for day in changed:
        for year in (day.year - 1, day.year, day.year + 1):
            if 1 <= year < today.year:
                centre = occurrence(today.month, today.day, year)
                if centre - window <= day <= centre + window:
                    return True
    return False


def _seasons_reached(library, changed):
    return any(seasons.season_bounds(*seasons.season_of(day))[1] <= library.today for day in changed)


def _holidays_reached(library, changed):
    return any(
        day < library.today and any(holidays.holiday_on(country, day) for country in countries)
        for day, countries in changed.items()
    )


# Generators whose drafts depend only on the photos of some days: (changed dated days → whether any
# of them is one). Every other generator runs again whenever any photo changed.
REACH = {"on_this_day": _on_this_day_reached, "seasons": _seasons_reached, "holidays": _holidays_reached}


def _changed(before, after):
    """{day: countries before and after} of the days whose photos differ."""
    return {
        day: (before[day][1] if day in before else frozenset()) | (after[day][1] if day in after else frozenset())
        for day in before.keys() | after.keys()
        if before.get(day, (None,))[0] != after.get(day, (None,))[0]
    }


def _runs_again(name, library, changed):
    if not changed:
        return False
    reached = REACH.get(name)
    if reached is None:
        return True
    dated = {day: countries for day, countries in changed.items() if day is not None}
    return bool(dated) and reached(library, dated)


def library_drafts(library):
    """Every draft the library supports today (generators.drafts_for), each generator run only if
    what it reads changed since the last refresh."""
    context, days = _context(library), _days(library)
    kept = cache.get(_key(library.owner_id))
    if kept is not None and kept.context != context:
        kept = None
    changed = _changed(kept.days, days) if kept is not None else None
    made = {}
    for generator in GENERATORS:
        name = _name(generator)
        if kept is not None and name in kept.drafts and not _runs_again(name, library, changed):
            made[name] = kept.drafts[name]
        else:
            made[name] = list(generator.drafts(library))
    cache.set(_key(library.owner_id), Kept(context, days, made), timeout=KEEP_SECONDS)
    return drafts_merged([made[_name(generator)] for generator in GENERATORS])


def drafts_forget(user, walked=False):
    """Eraser for every scope: the kept drafts were made under the scopes in force then."""
    cache.delete(_key(user.pk))
    return {}
