"""Makes world.json (the map's land shapes) from Natural Earth's 1:110m countries; not imported by rollweb.

    pip download --no-deps geopandas==0.14.4 pyshp   # the shapefile ships in geopandas/datasets/naturalearth_lowres
    python make_world.py path/to/naturalearth_lowres.shp > world.json

Coordinates are degrees (x = longitude, y = -latitude), rounded to 0.1° with repeated points dropped.
"""

import json
import sys

import pycountry
import shapefile

NAMED = {"France": "FR", "Norway": "NO", "Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}


def ring_path(points):
    out, last = [], None
    for lon, lat in points:
        point = (round(lon, 1), round(-lat, 1))
        if point != last:
            out.append(point)
            last = point
    if len(out) < 4:
        return ""
    return "M" + "L".join(f"{x:g} {y:g}" for x, y in out) + "Z"


def main(path):
    reader = shapefile.Reader(path)
    countries = []
    for shape, record in zip(reader.shapes(), reader.records()):
        row = record.as_dict()
        found = pycountry.countries.get(alpha_3=row["iso_a3"])
        code = found.alpha_2 if found else NAMED.get(row["name"], "")
        parts = list(shape.parts) + [len(shape.points)]
        d = "".join(ring_path(shape.points[a:b]) for a, b in zip(parts, parts[1:]))
        countries.append({"code": code, "name": row["name"], "d": d})
    countries.sort(key=lambda country: country["name"])
    json.dump({
        "source": "Natural Earth 1:110m Cultural Vectors, Admin 0 – Countries (naturalearthdata.com), public domain",
        "countries": countries,
    }, sys.stdout, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv[1])
