"""Recap videos of trips and big events of any year: their best photos, in capture order.

A whole camera roll uploaded at once brings its past trips with it, so a trip of any year gets
its recap as soon as its photos are there. A recap of the last twelve months is “Recap: Tuscany,
22–24 Oct 2023”; an older one says how long ago it was: “Two years ago: Madrid”. An everyday
event (not part of a trip) needs EVENT_MIN_PHOTOS while recent, and OLD_EVENT_MIN_PHOTOS once
it is older than EVENT_RECENT_DAYS: of the past, only the big days.
"""

from datetime import timedelta

from consent.scopes import LOCATION, TIME

from .choose import choose
from .clusters import event_clusters, event_title
from .drafts import draft
from .recap import MAX_PHOTOS, recap_seconds
from .text import capitalised, local_place, span_text, trip_name, years_ago_text, years_since
from .trips import trip_member_keys, trip_title, trips

TRIP_MIN_PHOTOS = 10
EVENT_RECENT_DAYS = 60
EVENT_MIN_PHOTOS = 15
OLD_EVENT_MIN_PHOTOS = 24


def recap_title(start, today, recent_title, name):
    """“Recap: <recent title>” within a year, else “Two years ago: <name>”."""
    years = years_since(start, today)
    return f"{capitalised(years_ago_text(years))}: {name}" if years >= 1 else f"Recap: {recent_title}"


def _recap(library, subject, title, label, scopes):
    """A recap of a trip or an event; `label` says which, with its dates."""
    choice = choose(library, subject.photos, limit=MAX_PHOTOS)
    seconds = recap_seconds(len(choice.photos))
    what = f"A {seconds:.0f}-second video of {len(choice.photos)} of the {choice.visible} photos from {label}"
    return choice, draft(
        "recap_video", f"recap:{subject.key}", title, what, choice, scopes, occasion=subject.start.date(),
        order=lambda chosen: sorted(chosen, key=lambda p: (p.instant, p.id)),
    )


def _trip_recaps(library):
    for trip in trips(library):
        if trip.start.date() > library.today:
            continue
        name = trip_name(trip.photos) or span_text(trip.start.date(), trip.end.date())
        label = trip_title(trip)
        title = recap_title(trip.start.date(), library.today, label, name)
        choice, recap = _recap(library, trip, title, label, {TIME, LOCATION})
        if choice.visible >= TRIP_MIN_PHOTOS:
            yield recap


def _event_recaps(library):
    today, in_trips = library.today, trip_member_keys(library)
    recent_since = today - timedelta(days=EVENT_RECENT_DAYS)
    for cluster in event_clusters(library):
        least = EVENT_MIN_PHOTOS if cluster.end.date() >= recent_since else OLD_EVENT_MIN_PHOTOS
        if cluster.start.date() > today or cluster.key in in_trips or len(cluster.photos) < least:
            continue
        name = local_place(cluster.photos) or span_text(cluster.start.date(), cluster.end.date())
        label = event_title(cluster)
        title = recap_title(cluster.start.date(), today, label, name)
        choice, recap = _recap(library, cluster, title, label, cluster.scopes())
        if choice.visible >= least:
            yield recap


def drafts(library):
    if not library.allows(TIME):
        return []
    return [*_trip_recaps(library), *_event_recaps(library)]
