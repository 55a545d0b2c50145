"""The map of places: where the person's photos and videos were taken, counted per place and drawn
on a world map that ships with rollweb (Natural Earth's public-domain country shapes in
data/world.json), so drawing it sends no request anywhere.

The world shows one cluster per country; zooming into a country shows one per place (city). A
cluster leads to the timeline searched for its name (the search box's own place filter). Needs
`location`. Coordinates are shown rounded to COORDINATE_DECIMALS (about 11 km) and the home area is
only ever named on the cluster it belongs to, never placed by its own coordinates.
"""

import json
import math
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import pycountry
from django.utils.html import escape
from django.utils.safestring import mark_safe

from consent.scopes import LOCATION

from ..models import Home
from . import query, selectors

WORLD = Path(__file__).resolve().parent / "data" / "world.json"
COORDINATE_DECIMALS = 1
WORLD_BOX = (-180.0, -90.0, 360.0, 180.0)  # x, y, width, height in degrees (y is minus the latitude)
SMALLEST_BOX, WORLD_SMALLEST_BOX = 14.0, 60.0  # degrees across: how close the map comes


@cache
def world():
    """{"source": credit, "countries": [{"code", "name", "d"}]} with `d` an SVG path in degrees."""
    return json.loads(WORLD.read_text(encoding="utf-8"))


@lru_cache(maxsize=64)
def land_svg(zoomed=""):
    """The countries as SVG paths, escaped once per process (the file is 120 kB), `zoomed` marked."""
    paths = []
    for land in world()["countries"]:
        marked = ' class="map-zoomed"' if land["code"] == zoomed else ""
        paths.append(f'<path d="{escape(land["d"])}"{marked}/>')
    return mark_safe("".join(paths))


@dataclass
class Cluster:
    label: str
    count: int
    lat: float
    lon: float
    country_code: str
    region: str = ""
    search: str = ""  # what the timeline is searched for to show this cluster's items ("" when no words reach it)
    home: bool = False

    @property
    def x(self):
        return self.lon

    @property
    def y(self):
        return -self.lat


def _rounded(value):
    return None if value is None else round(value, COORDINATE_DECIMALS)


def country_name(code):
    found = pycountry.countries.get(alpha_2=code) if code else None
    return getattr(found, "common_name", None) or getattr(found, "name", None) or code or "Unknown country"


def country_search(code):
    """A name the search box reads as this country, or "" when none does."""
    names = query.country_names()
    for name in (country_name(code), getattr(pycountry.countries.get(alpha_2=code), "name", "") if code else ""):
        if name and names.get(" ".join(query.words(name))) == code:
            return name
    return ""


def _home(user):
    return Home.objects.filter(owner=user).values("place", "region", "country_code").first()


def _weighted(rows, key):
    return _rounded(sum(row[key] * row["count"] for row in rows) / sum(row["count"] for row in rows))


def map_clusters(user, grants, country=""):
    """The clusters to draw: one per country, or one per place of `country` (an ISO code).

    Returns (clusters, home marked); nothing without `location`.
    """
    if LOCATION not in grants:
        return [], False
    rows = selectors.place_counts(user)
    home = _home(user)
    if country:
        clusters = [
            Cluster(label=row["place"], count=row["count"], lat=row["lat"], lon=row["lon"],
                    country_code=row["country_code"], region=row["region"], search=row["place"],
                    home=home is not None and (home["place"], home["region"], home["country_code"])
                    == (row["place"], row["region"], row["country_code"]))
            for row in rows if row["country_code"] == country
        ]
    else:
        by_country = {}
        for row in rows:
            by_country.setdefault(row["country_code"], []).append(row)
        clusters = [
            Cluster(label=country_name(code), count=sum(row["count"] for row in group), lat=_weighted(group, "lat"),
                    lon=_weighted(group, "lon"), country_code=code, search=country_search(code),
                    home=home is not None and home["country_code"] == code)
            for code, group in by_country.items()
        ]
        clusters.sort(key=lambda cluster: (-cluster.count, cluster.label))
    return clusters, any(cluster.home for cluster in clusters)


def view_box(clusters, country=""):
    """(x, y, width, height) in degrees: the clusters with a margin, at least SMALLEST_BOX across a
    country and WORLD_SMALLEST_BOX across the world, in the map's own 2:1, never past the world's edges."""
    if not clusters:
        return WORLD_BOX
    smallest = SMALLEST_BOX if country else WORLD_SMALLEST_BOX
    xs, ys = [c.x for c in clusters], [c.y for c in clusters]
    width = max((max(xs) - min(xs)) * 1.4, smallest)
    height = max((max(ys) - min(ys)) * 1.4, smallest / 2)
    width, height = min(max(width, height * 2), 360.0), min(max(height, width / 2), 180.0)
    x = min(max((max(xs) + min(xs)) / 2 - width / 2, -180.0), 180.0 - width)
    y = min(max((max(ys) + min(ys)) / 2 - height / 2, -90.0), 90.0 - height)
    return (round(x, 2), round(y, 2), round(width, 2), round(height, 2))


def marker_radius(cluster, busiest, box):
    """Circles sized by the square root of their count, in the box's own units."""
    share = math.sqrt(cluster.count / busiest) if busiest else 0
    return round(box[2] * (0.012 + 0.022 * share), 3)
