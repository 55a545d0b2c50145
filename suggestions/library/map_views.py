"""The map of places part of the library (/library/map/): the world, or one country zoomed into,
with the places as links to the timeline; below it the same places as a plain list."""

import re

from django.core.exceptions import BadRequest
from django.urls import reverse
from django.utils.http import urlencode

from consent.scopes import LOCATION, SCOPES

from . import places, selectors

COUNTRY = re.compile(r"[A-Z]{2}")


def timeline_url(cluster):
    return f"{reverse('library:index')}?{urlencode({'q': cluster.search})}" if cluster.search else ""


def map_context(request, grants):
    """Template context of the map page; a malformed country is a 400."""
    country = request.GET.get("country", "").strip().upper()
    if country and not COUNTRY.fullmatch(country):
        raise BadRequest("A country is its two-letter ISO code, for example IT.")
    context = {"scope": SCOPES[LOCATION], "allowed": LOCATION in grants, "country": country}
    if context["allowed"]:
        clusters, home_marked = places.map_clusters(request.user, grants, country)
        box = places.view_box(clusters, country)
        busiest = max((cluster.count for cluster in clusters), default=0)
        for cluster in clusters:
            cluster.r = places.marker_radius(cluster, busiest, box)
            cluster.timeline_url = timeline_url(cluster)
            cluster.zoom_url = "" if country else f"?{urlencode({'country': cluster.country_code})}"
        context.update(
            clusters=clusters,
            home_marked=home_marked,
            box=box,
            view_box=" ".join(f"{value:g}" for value in box),
            stroke=round(box[2] / 900, 3),
            font=round(box[2] / 75, 3),
            land=places.land_svg(country),
            country_name=places.country_name(country) if country else "",
            total=sum(cluster.count for cluster in clusters),
            places_by_country=_places_by_country(request.user, clusters) if not country else [],
        )
    return context


def _places_by_country(user, countries):
    """For the list under the world map: each country with its places, as the zoomed map shows them."""
    by_country = {}
    for row in selectors.place_counts(user):
        cluster = places.Cluster(label=row["place"], count=row["count"], lat=row["lat"], lon=row["lon"],
                                 country_code=row["country_code"], region=row["region"], search=row["place"])
        cluster.timeline_url = timeline_url(cluster)
        by_country.setdefault(row["country_code"], []).append(cluster)
    for country in countries:
        country.places = by_country.get(country.country_code, [])
    return countries
