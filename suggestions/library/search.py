"""The library's search: a query (read by library/query.py) matched against the person's items.

Each kind of question needs its consent: places `location`, people `faces`, dates `time`. A query
that needs one the person has not given answers nothing and says which permission it would need.
People's names come from a source the people feature registers at start-up, so the library does
not depend on it.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone as dt_timezone

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from consent.scopes import FACES, LOCATION, SCOPES, TIME

from ..models import MediaItem
from . import changes, query

_people_source = {}


def people_source_register(names, media_ids):
    """names(user) -> {name: [person ids]}; media_ids(user, person ids) -> a subquery of item ids."""
    _people_source.update(names=names, media_ids=media_ids)


@dataclass
class Search:
    text: str
    parsed: query.Parsed
    needs: list = field(default_factory=list)  # scopes the query would need and does not have
    hints: list = field(default_factory=list)
    person_ids: list = field(default_factory=list)

    @property
    def blocked(self):
        return bool(self.needs)

    def needs_text(self):
        return [f"Searching by {what} needs “{SCOPES[scope].title}” in your privacy choices."
                for scope, what in self.needs]


def places_known(user):
    """{folded name: name} of the places and regions in the person's library, read again only when
    the library changed."""
    return changes.kept_while_unchanged(user.pk, "places-known", lambda: _places_folded(user.pk))


def _places_folded(owner_id):
    known = {}
    for place, region in _place_pairs(owner_id):
        for name in (place, region):
            if name:
                known.setdefault(" ".join(query.words(name)), name)
    return known


def _place_pairs(owner_id):
    """Each (place, region) of the person's items once. On PostgreSQL a skip scan of
    media_places_idx: one index probe per pair (a few hundred) instead of a pass over every item."""
    if connection.vendor != "postgresql":
        items = MediaItem.objects.filter(owner_id=owner_id).exclude(place="")
        return items.order_by().values_list("place", "region").distinct()
    table = connection.ops.quote_name(MediaItem._meta.db_table)
    sql = (
        f"WITH RECURSIVE pairs(place, region) AS ("
        f"(SELECT place, region FROM {table} WHERE owner_id = %s AND place > '' ORDER BY place, region LIMIT 1) "
        f"UNION ALL SELECT next.place, next.region FROM pairs CROSS JOIN LATERAL ("
        f"SELECT place, region FROM {table} WHERE owner_id = %s AND (place, region) > (pairs.place, pairs.region) "
        f"ORDER BY place, region LIMIT 1) AS next) "
        f"SELECT place, region FROM pairs"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [owner_id, owner_id])
        return cursor.fetchall()


def people_known(user):
    """{name: [person ids]} of the person's named, visible people, read again only when the library
    changed (renaming, hiding and merging people raise its counter)."""
    if not _people_source:
        return {}
    return changes.kept_while_unchanged(user.pk, "people-known", lambda: _people_source["names"](user))


def search_read(user, grants, text, today=None):
    """Read a query against what this person's library and consents allow."""
    places = places_known(user) if LOCATION in grants else {}
    people = people_known(user) if FACES in grants else {}
    folded_people = {" ".join(query.words(name)): name for name in people}
    parsed = query.parse(text, today or timezone.localdate(), places=places, people=folded_people)
    found = Search(text=text, parsed=parsed, person_ids=[pk for name in parsed.people for pk in people[name]])
    for asked, scope, what in ((parsed.asks_place, LOCATION, "place"), (parsed.asks_date, TIME, "date")):
        if asked and scope not in grants:
            found.needs.append((scope, what))
    if parsed.unknown and LOCATION not in grants:
        found.hints.append(f"Place names are searched only with “{SCOPES[LOCATION].title}” on.")
    if parsed.unknown and FACES not in grants:
        found.hints.append(f"People's names are searched only with “{SCOPES[FACES].title}” on.")
    return found


def _day_start(day):
    return datetime.combine(day, time.min, dt_timezone.utc)


def _date_filter(parsed):
    """Capture dates as the camera's clock showed them (stored as UTC when the offset is unknown)."""
    any_date = Q()
    for span in parsed.dates:
        if isinstance(span, query.Span):
            any_date |= Q(captured_at__gte=_day_start(span.start), captured_at__lt=_day_start(span.end + timedelta(1)))
        else:
            any_date |= Q(captured_at__month=span.month, captured_at__day__range=(span.first, span.last))
    if parsed.weekend:
        any_date &= Q(captured_at__week_day__in=(1, 7))
    return any_date


def search_filter(items, user, found):
    """The items (of `user`) that answer the query; none when it needs a consent not given."""
    parsed = found.parsed
    if found.blocked:
        return items.none()
    if parsed.asks_place:
        items = items.filter(Q(place__in=parsed.places) | Q(region__in=parsed.places)
                             | Q(country_code__in=parsed.countries))
    if parsed.people:
        items = items.filter(pk__in=_people_source["media_ids"](user, found.person_ids))
    if parsed.asks_date:
        items = items.filter(_date_filter(parsed))
    if parsed.kinds:
        items = items.filter(kind__in=sorted(parsed.kinds))
    if parsed.unknown and parsed.empty:
        return items.none()
    return items


def search_hints(user, grants):
    """Names to offer while typing: the person's places (with location) and people (with faces)."""
    names = sorted(set(places_known(user).values())) if LOCATION in grants else []
    return names + (sorted(people_known(user)) if FACES in grants else [])


def search_messages(found):
    """What the box says back: words it did not understand, permissions it would need, hints."""
    said = [f"No match for ‘{word}’." for word in found.parsed.unknown]
    return said + found.needs_text() + (found.hints if found.parsed.unknown else [])


def search_summary(found):
    """The query as understood, for the API's answer."""
    parsed = found.parsed
    return {
        "places": parsed.places + parsed.countries,
        "people": parsed.people,
        "dates": [str(span) for span in parsed.dates] + (["weekend"] if parsed.weekend else []),
        "kinds": sorted(parsed.kinds),
        "unknown": parsed.unknown,
        "needs": [scope for scope, _ in found.needs],
        "messages": search_messages(found),
    }
