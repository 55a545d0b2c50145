"""Place names from coordinates, offline: the reverse_geocode package ships its own table of
places (GeoNames towns of 1000 people or more) and looks them up in a k-d tree in-process.
"""

import math
from dataclasses import dataclass

# Beyond this distance from the nearest known town, no place name is given (at sea, in a desert).
MAX_DISTANCE_KM = 100
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Place:
    place: str
    region: str
    country_code: str
    country: str

    def __str__(self):
        return ", ".join(part for part in (self.place, self.region, self.country or self.country_code) if part)


def preload():
    """Load the table now (about 1 s; in a worker's parent, so its children share it)."""
    import reverse_geocode

    reverse_geocode.get((0.0, 0.0))


def distance_km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def place_of(latitude, longitude):
    """The nearest town, its region and country; None when none is near or input is bad."""
    import reverse_geocode

    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or math.isnan(latitude) or math.isnan(longitude):
        return None
    found = reverse_geocode.get((latitude, longitude))
    if distance_km(latitude, longitude, found["latitude"], found["longitude"]) > MAX_DISTANCE_KM:
        return None
    return Place(
        place=(found.get("city") or "")[:200],
        region=(found.get("state") or "")[:200],
        country_code=(found.get("country_code") or "")[:2].upper(),
        country=found.get("country") or "",
    )
