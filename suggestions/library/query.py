"""The library's search box read into what it asks: places, people, dates and periods, kinds.

Pure: words in, a `Parsed` out. The place and person names it knows come from the caller (the
person's own library), country names from ISO 3166 in several languages. Every word is either
understood, a filler ("in", "with"), or said back as unknown: nothing is dropped silently.
"""

import gettext
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import pycountry

MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}
# Northern-hemisphere seasons as (first month, months long); winter runs into the next year.
SEASONS = {"spring": (3, 3), "summer": (6, 3), "autumn": (9, 3), "fall": (9, 3), "winter": (12, 3)}
KINDS = {"video": "video", "videos": "video", "movie": "video", "movies": "video", "photo": "photo",
         "photos": "photo", "picture": "photo", "pictures": "photo"}
FILLERS = {"in", "at", "on", "with", "and", "of", "the", "from", "during", "my", "a", "an", "me", "to"}
COUNTRY_LANGUAGES = ("de", "es", "fr", "it", "nl", "pl", "pt")
YEARS = range(1900, 2101)


def fold(text):
    """Lower case without accents: 'España' and 'espana' read the same."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text):
    return re.findall(r"[\w']+", fold(text))


@cache
def country_names():
    """{folded name: ISO code} in English and the languages of COUNTRY_LANGUAGES."""
    names = {}
    translations = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[code], fallback=True)
                    for code in COUNTRY_LANGUAGES]
    for country in pycountry.countries:
        for name in {country.name, getattr(country, "common_name", country.name)}:
            for translation in (gettext.NullTranslations(), *translations):
                names.setdefault(" ".join(words(translation.gettext(name))), country.alpha_2)
    return names


@dataclass(frozen=True)
class Span:
    """Days from `start` to `end`, both included."""

    start: date
    end: date


@dataclass(frozen=True)
class Yearly:
    """The same days every year: month, first and last day (a year's end is crossed by two)."""

    month: int
    first: int
    last: int


@dataclass
class Parsed:
    places: list = field(default_factory=list)  # labels of the person's places, or ISO country codes
    countries: list = field(default_factory=list)
    people: list = field(default_factory=list)  # names as the person's library spells them
    dates: list = field(default_factory=list)  # Span and Yearly: any of them
    weekend: bool = False
    kinds: set = field(default_factory=set)
    unknown: list = field(default_factory=list)

    @property
    def asks_place(self):
        return bool(self.places or self.countries)

    @property
    def asks_date(self):
        return bool(self.dates or self.weekend)

    @property
    def empty(self):
        return not (self.asks_place or self.people or self.asks_date or self.kinds)


def _month_span(year, month, months=1):
    end_month = month + months
    end = date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1) - timedelta(days=1)
    return Span(date(year, month, 1), end)


def _year(token):
    return int(token) if token.isdigit() and len(token) == 4 and int(token) in YEARS else None


def _day(token):
    token = re.sub(r"(st|nd|rd|th)$", "", token)
    return int(token) if token.isdigit() and 1 <= int(token) <= 31 else None


def _valid(year, month, day):
    try:
        return date(year if year else 2000, month, day)
    except ValueError:
        return None


def _month_phrase(tokens, i):
    """'june', 'june 2024', '14 june', 'june 14', '14 june 2024' from i: (dates, tokens used) or None."""
    day, at = (_day(tokens[i]), i + 1) if _day(tokens[i]) and i + 1 < len(tokens) else (None, i)
    month = MONTHS.get(tokens[at]) if at < len(tokens) else None
    if month is None:
        return None
    at += 1
    if day is None and at < len(tokens) and _day(tokens[at]) and not _year(tokens[at]):
        day, at = _day(tokens[at]), at + 1
    year = _year(tokens[at]) if at < len(tokens) else None
    at += year is not None
    if day is not None and not _valid(year, month, day):
        return None
    if day is not None:
        found = Span(date(year, month, day), date(year, month, day)) if year else Yearly(month, day, day)
    else:
        found = _month_span(year, month) if year else Yearly(month, 1, 31)
    return [found], at - i


def _season(name, year):
    first, months = SEASONS[name]
    return _month_span(year, first, months)


def _relative(tokens, i, today):
    """'last summer', 'this year', 'last month', 'today', 'yesterday'…: (dates, used) or None."""
    word = tokens[i]
    if word in ("today", "yesterday"):
        day = today - timedelta(days=word == "yesterday")
        return [Span(day, day)], 1
    if word not in ("last", "this") or i + 1 >= len(tokens):
        return None
    what, back = tokens[i + 1], word == "last"
    if what == "year":
        return [_month_span(today.year - back, 1, 12)], 2
    if what == "month":
        first = today.replace(day=1)
        first = (first - timedelta(days=1)).replace(day=1) if back else first
        return [_month_span(first.year, first.month)], 2
    if what in SEASONS:
        year = today.year if SEASONS[what][0] <= today.month or what == "winter" else today.year - 1
        span = _season(what, year)
        while span.start > today or (back and span.end >= today):
            year -= 1
            span = _season(what, year)
        return [span], 2
    return None


def _holiday(tokens, i):
    """'christmas [2023]', 'new year [2024]', 'new year's eve [2023]': (dates, used) or None.
    New Year is the night across the year's end: 'new year 2024' is 31 Dec 2023 to 1 Jan 2024."""
    eve = tokens[i] == "nye" or (tokens[i : i + 1] == ["new"] and tokens[i + 1 : i + 3] in (
        ["year's", "eve"], ["years", "eve"]))
    if tokens[i] in ("christmas", "xmas"):
        at = i + 1
    elif eve:
        at = i + (1 if tokens[i] == "nye" else 3)
    elif tokens[i : i + 2] in (["new", "year"], ["new", "years"], ["new", "year's"]):
        at = i + 2
    else:
        return None
    year = _year(tokens[at]) if at < len(tokens) else None
    if tokens[i] in ("christmas", "xmas"):
        found = [Span(date(year, 12, 24), date(year, 12, 26))] if year else [Yearly(12, 24, 26)]
    elif year:
        night = year if eve else year - 1
        found = [Span(date(night, 12, 31), date(night + 1, 1, 1))]
    else:
        found = [Yearly(12, 31, 31), Yearly(1, 1, 1)]
    return found, at + (year is not None) - i


def _dates(tokens, i, today):
    for reader in (_holiday, _month_phrase):
        found = reader(tokens, i)
        if found:
            return found
    found = _relative(tokens, i, today)
    if found:
        return found
    if tokens[i] in SEASONS:
        year = _year(tokens[i + 1]) if i + 1 < len(tokens) else None
        if year:
            return [_season(tokens[i], year)], 2
        first, months = SEASONS[tokens[i]]
        return [Yearly((first + n - 1) % 12 + 1, 1, 31) for n in range(months)], 1
    if _year(tokens[i]):
        return [_month_span(int(tokens[i]), 1, 12)], 1
    return None


def _phrase(tokens, i, names):
    """The longest run of words from i (up to 4) that is one of `names` ({folded: label})."""
    for length in range(min(4, len(tokens) - i), 0, -1):
        label = names.get(" ".join(tokens[i : i + length]))
        if label is not None:
            return label, length
    return None


def parse(text, today, places=None, people=None):
    """Read a query. `places` and `people` map folded names to how the library spells them."""
    tokens, parsed, i = words(text), Parsed(), 0
    places, people = places or {}, people or {}
    while i < len(tokens):
        token = tokens[i]
        person, place, country = _phrase(tokens, i, people), _phrase(tokens, i, places), None
        if person is None and place is None:
            country = _phrase(tokens, i, country_names())
        dated = None if person or place or country else _dates(tokens, i, today)
        if person:
            parsed.people.append(person[0])
            i += person[1]
        elif place:
            parsed.places.append(place[0])
            i += place[1]
        elif country:
            parsed.countries.append(country[0])
            i += country[1]
        elif dated:
            parsed.dates += dated[0]
            i += dated[1]
        else:
            if token in ("weekend", "weekends"):
                parsed.weekend = True
            elif token in KINDS:
                parsed.kinds.add(KINDS[token])
            elif token not in FILLERS:
                parsed.unknown.append(token)
            i += 1
    return parsed
