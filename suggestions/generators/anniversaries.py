"""Anniversaries: a trip or gathering a year or more ago, shown in the days before its date comes
round again. When the same place (the same region, or within SAME_PLACE_KM) or, without places,
the same people came back around the same time in other years, it is one recurring occasion:
“Tuscany in October: 2008, 2009 and 2010”.
"""

from dataclasses import dataclass
from functools import cached_property

from consent.scopes import FACES, LOCATION, TIME

from ..analysis.geo import distance_km
from .choose import choose
from .clusters import event_clusters, event_title
from .dates import days_apart_in_year, next_occurrence
from .drafts import draft
from .library import centre_of
from .text import capitalised, join_words, month_day_text, place_names, trip_name, years_ago_text, years_text
from .trips import Trip, trip_member_keys, trip_title, trips

LEAD_DAYS = 7
MIN_PHOTOS = 8
ALONE_MIN_PHOTOS = 20  # an everyday event is remembered alone only if it was a big one (trips always are)
MOST = 3  # at a time: the occasions of most years, then of most photos
SAME_PLACE_KM = 30
SAME_SEASON_DAYS = 15


@dataclass
class Occasion:
    key: int
    photos: list
    start: object
    source: object  # the trip or event
    centre: tuple | None
    people: frozenset = frozenset()

    @cached_property
    def title(self):
        return trip_title(self.source) if isinstance(self.source, Trip) else event_title(self.source)

    @cached_property
    def region(self):
        return place_names(self.photos, 1)


def _occasions(library):
    found = [Occasion(t.key, t.photos, t.start, t, centre_of(t.photos)) for t in trips(library)]
    in_trips = trip_member_keys(library)
    found += [
        Occasion(c.key, c.photos, c.start, c, c.centre)
        for c in event_clusters(library)
        if c.key not in in_trips and len(c.photos) >= MIN_PHOTOS
    ]
    if library.people:
        for occasion in found:
            occasion.people = frozenset(
                face.person_id for photo in occasion.photos for face in photo.faces
                if face.person_id in library.people and not library.people[face.person_id].hidden
            )
    return sorted(found, key=lambda o: o.start)


def _same(a, b):
    """(same?, scope it took to tell)"""
    if a.start.year == b.start.year or days_apart_in_year(a.start, b.start) > SAME_SEASON_DAYS:
        return False, None
    if a.centre and b.centre:
        return (a.region and a.region == b.region) or distance_km(*a.centre, *b.centre) <= SAME_PLACE_KM, LOCATION
    shared = a.people & b.people
    if len(shared) >= 2 and len(shared) * 2 >= len(a.people | b.people):
        return True, FACES
    return False, None


def _series(occasions, anchor):
    """The occasions of other years that are the same as `anchor`, with the scopes used to tell."""
    members, used = [anchor], set()
    for other in occasions:
        if other is anchor or any(other.start.year == m.start.year for m in members):
            continue
        same, scope = _same(anchor, other)
        if same:
            members.append(other)
            used.add(scope)
    return sorted(members, key=lambda o: o.start), used


def drafts(library):
    if not library.allows(TIME):
        return []
    today = library.today
    occasions = _occasions(library)
    out, taken = [], set()
    # The latest occasion of a series anchors it; earlier ones are its other years.
    for anchor in reversed(occasions):
        date = next_occurrence(anchor.start.date(), today)
        if anchor.key in taken or date.year <= anchor.start.year or (date - today).days > LEAD_DAYS:
            continue
        members, used = _series([o for o in occasions if o.start < anchor.start], anchor)
        taken.update(member.key for member in members)
        pool = [photo for member in members for photo in member.photos]
        big_enough = len(members) > 1 or isinstance(anchor.source, Trip) or len(anchor.photos) >= ALONE_MIN_PHOTOS
        if not big_enough:
            continue
        choice = choose(library, pool, group=lambda photo: photo.taken.year)
        if choice.visible < MIN_PHOTOS:
            continue
        located = any(photo.located for photo in pool)
        scopes = {TIME, *used} | ({LOCATION} if located else set())
        if len(members) == 1:
            years_ago = years_ago_text(date.year - anchor.start.year)
            title = f"{capitalised(years_ago)}: {anchor.title}"
            what = f"{choice.visible} photos from {anchor.title}, {years_ago} on {month_day_text(date)}"
        else:
            years = years_text(member.start.year for member in members)
            if LOCATION in used:
                subject = trip_name(pool)
            else:
                names = sorted(library.people[pid].name for pid in anchor.people if library.people[pid].name)
                subject = f"With {join_words(names)}" if names else "Together"
            title = f"{subject} in {anchor.start:%B}: {years}"
            same = "trip" if LOCATION in used else "gathering"
            what = f"{choice.visible} photos from the same {same} around {month_day_text(date)} in {years}"
        topic = f"anniversary:{anchor.key}:{date.year}"
        found = draft("anniversary", topic, title, what, choice, scopes, occasion=date)
        out.append((len(members), choice.visible, found))
    out.sort(key=lambda entry: entry[:2], reverse=True)
    return [found for _, _, found in out[:MOST]]
