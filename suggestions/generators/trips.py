"""Trips: events away from home (more than TRIP_KM), over more than one day, joined together.

Consecutive events away from home belong to one trip while the gap between them is at most
TRIP_GAP_DAYS; events without any place in between (a camera without GPS) join the trip they
fall in; an event back at home ends it.
"""

from dataclasses import dataclass
from functools import cached_property

from consent.scopes import LOCATION, TIME

from ..analysis.geo import distance_km
from .choose import choose
from .clusters import event_clusters
from .drafts import draft
from .text import span_text, trip_name

TRIP_KM = 100
TRIP_GAP_DAYS = 3
TRIP_MIN_PHOTOS = 6


@dataclass
class Trip:
    clusters: list
    distance: float  # km from home, the farthest event

    @cached_property
    def photos(self):
        return [photo for cluster in self.clusters for photo in cluster.photos]

    @property
    def start(self):
        return self.clusters[0].start

    @property
    def end(self):
        return self.clusters[-1].end

    @cached_property
    def key(self):
        return min(cluster.key for cluster in self.clusters)

    @property
    def days(self):
        return (self.end.date() - self.start.date()).days + 1


def trips(library):
    """Every trip of the library, in capture order (computed once per refresh)."""
    if "trips" in library.cache:
        return library.cache["trips"]
    home = library.home_place if library.allows(TIME, LOCATION) else None
    found = []
    if home is not None:
        run, pending, farthest = [], [], 0.0
        for cluster in event_clusters(library):
            if cluster.centre is None:
                if run:
                    pending.append(cluster)
                continue
            away = distance_km(home.lat, home.lon, *cluster.centre)
            soon = not run or cluster.photos[0].instant - run[-1].photos[-1].instant <= TRIP_GAP_DAYS * 86400
            if away > TRIP_KM and soon:
                run += pending + [cluster]
                farthest = max(farthest, away)
            else:
                found.append(Trip(run, farthest))
                run, farthest = ([cluster], away) if away > TRIP_KM else ([], 0.0)
            pending = []
        found.append(Trip(run, farthest))
    found = [trip for trip in found if trip.clusters and trip.end.date() > trip.start.date()]
    library.cache["trips"] = found
    return found


def trip_member_keys(library):
    return {cluster.key for trip in trips(library) for cluster in trip.clusters}


def trip_title(trip):
    places = trip_name(trip.photos) or f"{round(trip.distance):,} km from home"
    return f"{places}, {span_text(trip.start.date(), trip.end.date())}"


def drafts(library):
    out = []
    for trip in trips(library):
        if trip.start.date() > library.today:
            continue
        choice = choose(library, trip.photos)
        if choice.visible < TRIP_MIN_PHOTOS:
            continue
        places = trip_name(trip.photos)
        what = (
            f"{choice.visible} photos from {trip.days} days{f' in {places}' if places else ' away'}, "
            f"{span_text(trip.start.date(), trip.end.date())}, more than {TRIP_KM} km from home"
        )
        topic, title = f"trip:{trip.key}", trip_title(trip)
        out.append(draft("trip", topic, title, what, choice, {TIME, LOCATION}, occasion=trip.start.date()))
    return out
