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
import logging
import pickle
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.core.cache import cache

from .. import generators as generators_package
from ..generators import GENERATORS, drafts_merged, holidays, on_this_day, seasons
from ..generators.dates import occurrence

logger = logging.getLogger(__name__)

KEEP_SECONDS = 2 * 24 * 3600  # past the nightly refresh, which starts again anyway (a new date)


def _code_digest():
    """Of the generators and of this module: drafts kept by other code are made again."""
    digest = hashlib.blake2b(digest_size=16)
    for path in [*sorted(Path(generators_package.__file__).parent.rglob("*.py")), Path(__file__)]:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.digest()


CODE = _code_digest()


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


# What a Library holds besides its photos, each in _context or said why not there (a test holds the two together).
CONTEXT_FIELDS = (
    "owner_id", "today", "scopes", "people", "home", "hidden_photo_ids", "suggest_unnamed", "review_years",
    "featured_less", "hidden_ranges", "cache",
)


def _context(library):
    """The owner is the cache key, the hidden photos are in their days' digests, and the cache
    starts empty in every refresh."""
    return _digest((
        CODE, library.today, sorted(library.scopes), sorted(library.people.items()), library.home,
        library.home_place, library.suggest_unnamed, sorted(library.review_years),
        sorted(library.featured_less), library.hidden_ranges,
    ))


_NONE = -(2**62) - 1  # stands for None in a photo's numbers: no capture time, place or score is this


class _Codes(dict):
    """Stable numbers for strings: Python's own hash of a str (or of a datetime, or None in 3.11)
    differs between processes, while a refresh compares with digests another process kept."""

    def __missing__(self, text):
        code = _NONE if text is None else int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest())
        self[text] = code
        return code


# Photo's fields, each in _photo_numbers (a test holds the two together).
DIGESTED_FIELDS = (
    "id", "width", "height", "taken", "instant", "lat", "lon", "place", "region", "country", "quality", "phash", "burst",
    "best_shot", "scene", "edit", "faces",
)


def _photo_numbers(photo, hidden, codes, epoch=datetime(1970, 1, 1)):
    """Every field of a photo (DIGESTED_FIELDS) as ints and floats, whose hashes are the same in every process."""
    taken = photo.taken
    return (
        photo.id, photo.width, photo.height, _NONE if taken is None else (taken - epoch).total_seconds(),
        _NONE if photo.instant is None else photo.instant, _NONE if photo.lat is None else photo.lat,
        _NONE if photo.lon is None else photo.lon, codes[photo.place], codes[photo.region], codes[photo.country],
        _NONE if photo.quality is None else photo.quality, _NONE if photo.phash is None else photo.phash,
        codes[photo.burst], photo.best_shot, codes[photo.scene], tuple(codes[name] for name in photo.edit),
        tuple((f.x, f.y, f.w, f.h, _NONE if f.person_id is None else f.person_id) for f in photo.faces),
        photo.id in hidden,
    )


def _days(library):
    """{day: (digest of its photos, countries)}; undated photos under None. Whether a photo is
    hidden (it shows someone hidden) is part of it: that changes with its faces, not the context."""
    by_day, hidden, codes = {}, library.hidden_photo_ids, _Codes()
    for photo in library.photos:
        by_day.setdefault(photo.taken.date() if photo.instant is not None else None, []).append(photo)
    return {
        day: (
            hash(tuple(_photo_numbers(photo, hidden, codes) for photo in photos)),
            frozenset(p.country for p in photos if p.country),
        )
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
    kept = _kept(library.owner_id)
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
    try:
        cache.set(_key(library.owner_id), Kept(context, days, made), timeout=KEEP_SECONDS)
    except Exception:  # the cache being down slows the next refresh, it does not stop this one
        logger.warning("could not keep the drafts of %s", library.owner_id, exc_info=True)
    return drafts_merged([made[_name(generator)] for generator in GENERATORS])


def _kept(owner_id):
    """What the last refresh kept; None when there is none, or when it was kept by a version of
    the code whose classes no longer read it (it is then made again)."""
    try:
        kept = cache.get(_key(owner_id))
    except (AttributeError, ImportError, TypeError, pickle.UnpicklingError):
        return None
    return kept if isinstance(kept, Kept) else None


def drafts_forget(user, walked=False):
    """Eraser for every scope: the kept drafts were made under the scopes in force then."""
    cache.delete(_key(user.pk))
    return {}
