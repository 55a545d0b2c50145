"""Public holidays: photos taken on a public holiday of the country they were taken in, shown in
the days before that holiday comes round again there."""

import re
from collections import defaultdict
from functools import lru_cache

import holidays as calendars
from holidays.registry import COUNTRIES

from consent.scopes import LOCATION, TIME

from .choose import choose
from .drafts import draft
from .text import years_text

LEAD_DAYS = 14
MIN_PHOTOS = 3
COUNTRY_NAMES = {entry[1]: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", entry[0]) for entry in COUNTRIES.values()}


@lru_cache(maxsize=4096)
def _calendar(country, year):
    """{date: name} of national public holidays, in English where the package has it; {} if unknown.
    Building one takes milliseconds, so each is kept for the life of the process."""
    try:
        days = calendars.country_holidays(country, years=year, language="en_US")
    except (NotImplementedError, KeyError):
        return {}
    names = {day: name.split("; ")[0] for day, name in days.items()}
    return {day: name for day, name in names.items() if "(observed)" not in name and "estimated" not in name}


def holiday_on(country, day):
    """The name of the public holiday of `country` on `day`, or None."""
    return _calendar(country.upper(), day.year).get(day)


def _next(country, name, today):
    for year in (today.year, today.year + 1):
        for day, day_name in sorted(_calendar(country, year).items()):
            if day_name == name and day >= today:
                return day
    return None


def drafts(library):
    if not library.allows(TIME, LOCATION):
        return []
    today, found = library.today, defaultdict(list)
    for photo in library.dated:
        if photo.country and photo.day < today:
            name = holiday_on(photo.country, photo.day)
            if name:
                found[photo.country.upper(), name].append(photo)
    out = []
    for (country, name), pool in found.items():
        occasion = _next(country, name, today)
        if occasion is None or (occasion - today).days > LEAD_DAYS:
            continue
        choice = choose(library, pool, group=lambda photo: photo.taken.year)
        if choice.visible < MIN_PHOTOS:
            continue
        years = years_text(photo.taken.year for photo in pool if photo.id not in library.hidden_photo_ids)
        where = COUNTRY_NAMES.get(country, country)
        what = f"{choice.visible} photos taken on {name}, a public holiday in {where}, in {years}"
        out.append(
            draft(
                "holiday", f"holiday:{country}:{name}:{occasion.year}", f"{name}: {years}", what, choice,
                {TIME, LOCATION}, occasion=occasion,
            )
        )
    return out
