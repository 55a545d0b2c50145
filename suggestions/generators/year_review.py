"""Your year: from 1 December a review of the year, and of any past year the person asks for.

The best photo of each month (a collage) and a recap video of the year's best; the reason counts
the photos and, with `location`, the trips and countries (trip names, never the home area), and,
with `faces`, names the people seen most (named, not hidden).
"""

from collections import Counter
from datetime import date

from consent.scopes import FACES, LOCATION, TIME

from .choose import Choice, choose
from .drafts import draft
from .featured import featured_people
from .recap import YEAR_PHOTOS, recap_seconds
from .text import join_words, plural, trip_name
from .trips import trips

REVIEW_FROM = (12, 1)  # (month, day) from which the current year is reviewed
MIN_PHOTOS = 12
MOST_PEOPLE = 3


def review_years(library):
    """The years to review today: this one from 1 December, and those the person asked for."""
    today, years = library.today, set(library.review_years)
    if (today.month, today.day) >= REVIEW_FROM:
        years.add(today.year)
    return sorted(year for year in years if year <= today.year)


def _best_of_each_month(library, pool):
    months = {}
    for photo in pool:
        months.setdefault(photo.taken.month, []).append(photo)
    picks = [choose(library, members, limit=1) for _, members in sorted(months.items())]
    photos = [photo for pick in picks for photo in pick.photos]
    used = frozenset().union(*(pick.used for pick in picks)) if picks else frozenset()
    return Choice(photos=photos, visible=sum(pick.visible for pick in picks), used=used,
                  criteria=picks[0].criteria if picks else ())


def _places(library, year):
    """(“2 trips, 2 countries”, [trip names]) of a year's trips, when places are allowed."""
    found = [trip for trip in trips(library) if trip.start.year == year]
    if not found:
        return "", []
    countries = {photo.country for trip in found for photo in trip.photos if photo.country}
    names = list(dict.fromkeys(name for name in (trip_name(trip.photos) for trip in found) if name))
    country_count = f"{len(countries)} {'country' if len(countries) == 1 else 'countries'}"
    return f"{plural(len(found), 'trip')}, {country_count}", names


def _people(library, pool):
    featured = {pid: person for pid, person in featured_people(library).items() if person.name}
    seen = Counter(pid for photo in pool for pid in {face.person_id for face in photo.faces} if pid in featured)
    return [featured[pid].name for pid, _ in seen.most_common(MOST_PEOPLE)]


def _summary(library, year, pool):
    trips_text, places = _places(library, year) if library.allows(LOCATION) else ("", [])
    people = _people(library, pool)
    counts = ", ".join(part for part in (trips_text, f"{len(pool):,} photos") if part)
    parts = [counts]
    if places:
        parts.append(f"you went to {join_words(places[:5])}")
    if people:
        parts.append(f"you saw {join_words(people)} most")
    scopes = {TIME} | ({LOCATION} if trips_text else set()) | ({FACES} if people else set())
    return "; ".join(parts), scopes


def drafts(library):
    if not library.allows(TIME):
        return []
    out = []
    for year in review_years(library):
        pool = [photo for photo in library.dated if photo.taken.year == year and photo.day <= library.today]
        months = _best_of_each_month(library, pool)
        if months.visible < MIN_PHOTOS:
            continue
        summary, scopes = _summary(library, year, pool)
        occasion = date(year, 12, 1)
        out.append(draft("year_review", f"year_review:{year}", f"Your {year}", f"{year} in review: {summary}",
                         months, scopes, occasion=occasion))
        best = choose(library, pool, limit=YEAR_PHOTOS, group=lambda photo: photo.taken.month)
        out.append(draft("recap_video", f"year_recap:{year}", f"Your {year}: the video",
                         f"A {recap_seconds(len(best.photos)):.0f}-second video of {len(best.photos)} of your best photos of {year}", best, scopes,
                         occasion=occasion, order=lambda chosen: sorted(chosen, key=lambda p: (p.instant, p.id))))
    return out
