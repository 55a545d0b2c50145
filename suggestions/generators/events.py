"""Events: the recent moments of the library (clusters.py), each suggested once; those that
belong to a trip are suggested as the trip instead."""

from datetime import timedelta

from consent.scopes import TIME

from .choose import choose
from .clusters import event_clusters, event_title
from .drafts import draft
from .text import duration_text, local_place
from .trips import trip_member_keys

EVENT_MIN_PHOTOS = 6
EVENT_RECENT_DAYS = 60  # older events come back as anniversaries and on-this-day instead
EVENT_MOST = 12  # the most recent ones


def event_what(cluster, visible):
    place = local_place(cluster.photos)
    where = f" in {place}" if place else ""
    return f"{visible} photos taken{where} within {duration_text(max(60, cluster.seconds))}"


def drafts(library):
    if not library.allows(TIME):
        return []
    in_trips = trip_member_keys(library)
    since = library.today - timedelta(days=EVENT_RECENT_DAYS)
    out = []
    for cluster in reversed(event_clusters(library)):
        if cluster.end.date() < since or len(out) == EVENT_MOST:
            break
        if cluster.start.date() > library.today or cluster.key in in_trips:
            continue
        choice = choose(library, cluster.photos)
        if choice.visible < EVENT_MIN_PHOTOS:
            continue
        out.append(
            draft(
                "event", f"event:{cluster.key}", event_title(cluster), event_what(cluster, choice.visible), choice,
                cluster.scopes(), occasion=cluster.start.date(),
            )
        )
    return out
