"""Words for titles and reasons: dates, spans, lists and the names of places."""

from collections import Counter

from consent.scopes import FACES, LOCATION, THEMES, TIME

from ..analysis.countries import country_name

# The kinds of suggestion in the words the pages use (“fewer like this”).
KIND_NAMES = {
    "event": "events", "trip": "trips", "recap_video": "recap videos", "on_this_day": "“on this day”",
    "best_of_season": "best of a season", "birthday": "birthdays", "anniversary": "anniversaries",
    "holiday": "holidays", "edit": "edits", "spotlight": "spotlights", "then_and_now": "“then and now”",
    "together": "people together", "been_a_while": "“it’s been a while”", "year_review": "years in review",
}
# What each scope's data is called when a reason says what it used.
DATA_WORDS = {TIME: "capture times", LOCATION: "places", FACES: "people", THEMES: "picture quality"}


def join_words(words):
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def day_text(day):
    return f"{day.day} {day:%b %Y}"


def month_day_text(day):
    return f"{day.day} {day:%B}"


def span_text(start, end):
    """22 Oct 2008 · 22–24 Oct 2008 · 30 Oct – 2 Nov 2008 · 30 Dec 2008 – 2 Jan 2009"""
    if start == end:
        return day_text(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{day_text(start)} – {day_text(end)}"


def years_text(years):
    return join_words(str(year) for year in sorted(set(years)))


def plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def duration_text(seconds):
    hours = seconds / 3600
    if hours < 1:
        return plural(max(1, round(seconds / 60)), "minute")
    if hours < 36:
        return plural(round(hours), "hour")
    return plural(round(hours / 24), "day")


def place_names(photos, limit=2):
    """The regions (or places) most photos were taken in: “Tuscany”, “Tuscany and Umbria”."""
    names = Counter(photo.region or photo.place for photo in photos if photo.located and (photo.region or photo.place))
    return join_words(name for name, _ in names.most_common(limit))


# Of a trip's located photos, the share one city (or region, or country) must hold to name it.
NAMED_SHARE = 0.8


def _dominant(values):
    """The value at least NAMED_SHARE of `values` have, or ""."""
    counts = Counter(values)
    if not counts:
        return ""
    value, count = counts.most_common(1)[0]
    return value if value and count >= NAMED_SHARE * len(values) else ""


def trip_name(photos):
    """The name a person knows a trip by: its city when it stays in one (“Paris”, not
    “Île-de-France”), its region when it moves between cities of one (“Tuscany”), its country
    when it spans regions (“Italy”), else its two main countries (“Japan and South Korea”)."""
    located = [photo for photo in photos if photo.located]
    if not located:
        return ""
    for name in (
        _dominant([photo.place for photo in located]),
        _dominant([photo.region for photo in located]),
        country_name(_dominant([photo.country for photo in located])),
    ):
        if name:
            return name
    countries = Counter(country_name(photo.country) for photo in located if photo.country)
    return join_words(name for name, _ in countries.most_common(2) if name) or place_names(located)


def local_place(photos):
    """The place most photos were taken in, for a short event: “Florence”."""
    names = Counter(photo.place or photo.region for photo in photos if photo.located and (photo.place or photo.region))
    return names.most_common(1)[0][0] if names else ""


def reason_text(what, criteria, scopes):
    """“<what>, chosen for <criteria>. Uses your <data>.”"""
    chosen = f", chosen for {join_words(criteria)}" if criteria else ""
    data = [words for key, words in DATA_WORDS.items() if key in scopes]
    uses = f" Uses your {join_words(data)}." if data else " Uses only the photos themselves."
    return f"{what}{chosen}.{uses}"


_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def number_word(count):
    """“two” up to ten, digits beyond: how a memory says a count of years."""
    return _NUMBER_WORDS[count] if 0 <= count < len(_NUMBER_WORDS) else f"{count:,}"


def years_since(day, today):
    """Whole years from `day` to `today` (a birthday's arithmetic)."""
    return today.year - day.year - ((today.month, today.day) < (day.month, day.day))


def years_ago_text(years):
    """“a year ago”, “two years ago”, “12 years ago”."""
    return "a year ago" if years == 1 else f"{number_word(years)} years ago"


def capitalised(text):
    return text[:1].upper() + text[1:]
