"""Events: photos close in time and place.

A gap of more than EVENT_GAP_HOURS between two photos, or a jump of more than EVENT_JUMP_KM
between two located photos, starts a new event. LibrePhotos splits on 36-hour gaps alone,
which merges a week of everyday photos into one “event”; a 6-hour gap keeps a day out (with a
long lunch) together and splits at night, and the distance rule splits a morning at home from
an afternoon at the coast. Several days away are joined again by trips.
"""

from dataclasses import dataclass
from functools import cached_property

from consent.scopes import LOCATION, TIME

from ..analysis.geo import distance_km
from .library import centre_of
from .text import local_place, span_text

EVENT_GAP_HOURS = 6
EVENT_JUMP_KM = 30


@dataclass
class Cluster:
    photos: list  # in capture order

    @property
    def start(self):
        return self.photos[0].taken

    @property
    def end(self):
        return self.photos[-1].taken

    @property
    def seconds(self):
        return self.photos[-1].instant - self.photos[0].instant

    @cached_property
    def key(self):
        """The oldest upload among its photos: stable while photos are added."""
        return min(photo.id for photo in self.photos)

    @cached_property
    def located(self):
        return [photo for photo in self.photos if photo.located]

    @cached_property
    def centre(self):
        return centre_of(self.located)

    def scopes(self):
        """Location shaped it only if some of its photos have a place."""
        return {TIME, LOCATION} if self.located else {TIME}


def event_clusters(library):
    """Every event of the library, in capture order (computed once per refresh)."""
    if "events" in library.cache:
        return library.cache["events"]
    gap = EVENT_GAP_HOURS * 3600
    clusters, current, last_located = [], [], None
    for photo in library.dated:
        jump = (
            photo.located
            and last_located is not None
            and distance_km(last_located.lat, last_located.lon, photo.lat, photo.lon) > EVENT_JUMP_KM
        )
        if current and (photo.instant - current[-1].instant > gap or jump):
            clusters.append(Cluster(current))
            current, last_located = [], None
        current.append(photo)
        if photo.located:
            last_located = photo
    if current:
        clusters.append(Cluster(current))
    library.cache["events"] = clusters
    return clusters


def event_title(cluster):
    place = local_place(cluster.photos)
    when = span_text(cluster.start.date(), cluster.end.date())
    if place:
        return f"{place}, {when}"
    if cluster.start.date() == cluster.end.date():
        return f"{cluster.start:%A}, {when}"
    return when
