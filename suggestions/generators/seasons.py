"""Best of a season: the best photos of each season that has ended, “Best of summer 2023”.

Seasons are the meteorological ones (winter is December to February, named by both its years:
“winter 2022–23”). With `location`, a home south of the equator turns the names round, and the
suggestion then records that it used places. “Best” needs a judgement of the pictures, so the
kind needs `themes`; the choice is spread over the season's months.
"""

from datetime import date

from consent.scopes import LOCATION, THEMES, TIME

from ..analysis.themes import SEASON_NAMES, season_index
from .choose import choose
from .drafts import draft

MIN_PHOTOS = 20
MIN_DAYS = 4
NORTH = SEASON_NAMES
SOUTH = SEASON_NAMES[2:] + SEASON_NAMES[:2]


def season_of(day):
    """(year the season starts in, index 0–3 from winter): December counts with the next January."""
    return (day.year - 1 if day.month < 3 else day.year), season_index(day.month)


def season_bounds(year, index):
    """(first day, first day after) of a season."""
    start = date(year, 12, 1) if index == 0 else date(year, index * 3, 1)
    end = date(year + 1, 3, 1) if index == 0 else (date(year, 12, 1) if index == 3 else date(year, index * 3 + 3, 1))
    return start, end


def season_name(year, index, names):
    name = names[index]
    return f"{name} {year}–{(year + 1) % 100:02d}" if index == 0 else f"{name} {year}"


def _names(library):
    home = library.home_place if library.allows(LOCATION) else None
    return (SOUTH, {LOCATION}) if home is not None and home.lat < 0 else (NORTH, set())


def drafts(library):
    if not library.allows(TIME, THEMES):
        return []
    seasons = {}
    for photo in library.dated:
        seasons.setdefault(season_of(photo.day), []).append(photo)
    names, used = _names(library)
    out = []
    for (year, index), pool in sorted(seasons.items(), key=lambda item: season_bounds(*item[0]), reverse=True):
        start, end = season_bounds(year, index)
        if end > library.today or len(pool) < MIN_PHOTOS or len({p.day for p in pool}) < MIN_DAYS:
            continue
        choice = choose(library, pool, group=lambda photo: photo.taken.month)
        if choice.visible < MIN_PHOTOS:
            continue
        name = season_name(year, index, names)
        what = f"The best {len(choice.photos)} of your {choice.visible} photos from {name}"
        out.append(draft(
            "best_of_season", f"season:{start.isoformat()}", f"Best of {name}", what, choice, {TIME, THEMES, *used},
            occasion=start,
        ))
    return out
