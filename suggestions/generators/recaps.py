"""Recap videos of recent trips and big recent events: their best photos, in capture order."""

from datetime import timedelta

from consent.scopes import LOCATION, TIME

from .choose import choose
from .clusters import event_clusters, event_title
from .drafts import draft
from .recap import MAX_PHOTOS, recap_seconds
from .trips import trip_member_keys, trip_title, trips

TRIP_RECENT_DAYS = 365
TRIP_MIN_PHOTOS = 10
EVENT_RECENT_DAYS = 60
EVENT_MIN_PHOTOS = 15


def _recap(library, subject, title, scopes):
    """A recap of a trip or an event."""
    choice = choose(library, subject.photos, limit=MAX_PHOTOS)
    seconds = recap_seconds(len(choice.photos))
    what = f"A {seconds:.0f}-second video of {len(choice.photos)} of the {choice.visible} photos from {title}"
    return choice, draft(
        "recap_video", f"recap:{subject.key}", f"Recap: {title}", what, choice, scopes, occasion=subject.start.date(),
        order=lambda chosen: sorted(chosen, key=lambda p: (p.instant, p.id)),
    )


def drafts(library):
    if not library.allows(TIME):
        return []
    today, out = library.today, []
    for trip in trips(library):
        if today - timedelta(days=TRIP_RECENT_DAYS) <= trip.end.date() and trip.start.date() <= today:
            choice, recap = _recap(library, trip, trip_title(trip), {TIME, LOCATION})
            if choice.visible >= TRIP_MIN_PHOTOS:
                out.append(recap)
    in_trips = trip_member_keys(library)
    for cluster in event_clusters(library):
        recent = today - timedelta(days=EVENT_RECENT_DAYS) <= cluster.end.date() and cluster.start.date() <= today
        if recent and cluster.key not in in_trips and len(cluster.photos) >= EVENT_MIN_PHOTOS:
            choice, recap = _recap(library, cluster, event_title(cluster), cluster.scopes())
            if choice.visible >= EVENT_MIN_PHOTOS:
                out.append(recap)
    return out
