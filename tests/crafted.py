"""Crafted libraries for the suggestion tests: analysed rows made directly, with a fixed clock."""

import io
from datetime import timedelta

from PIL import Image, ImageDraw

from rollweb.storage import save_bytes
from suggestions.feed.selectors import library_snapshot

from .factories import FaceFactory, MediaItemFactory

EVERY_SCOPE = ("library", "time", "location", "faces", "themes")

# name: (lat, lon, place, region, country)
PLACES = {
    "london": (51.5072, -0.1276, "London", "England", "GB"),
    "croydon": (51.3762, -0.0982, "Croydon", "England", "GB"),
    "brighton": (50.8225, -0.1372, "Brighton", "England", "GB"),
    "florence": (43.7696, 11.2558, "Florence", "Tuscany", "IT"),
    "siena": (43.3188, 11.3308, "Siena", "Tuscany", "IT"),
    "arezzo": (43.4633, 11.8796, "Arezzo", "Tuscany", "IT"),
    "berlin": (52.5200, 13.4050, "Berlin", "Berlin", "DE"),
    "paris": (48.8566, 2.3522, "Paris", "Île-de-France", "FR"),
    "lisbon": (38.7223, -9.1393, "Lisbon", "Lisbon", "PT"),
    "rome": (41.9028, 12.4964, "Rome", "Lazio", "IT"),
    "edinburgh": (55.9533, -3.1883, "Edinburgh", "Scotland", "GB"),
    "barcelona": (41.3874, 2.1686, "Barcelona", "Catalonia", "ES"),
    "madrid": (40.4168, -3.7038, "Madrid", "Community of Madrid", "ES"),
    "kyoto": (35.0116, 135.7681, "Kyoto", "Kyoto", "JP"),
    "osaka": (34.6937, 135.5023, "Osaka", "Osaka", "JP"),
    "penzance": (50.1188, -5.5376, "Penzance", "England", "GB"),
    "amsterdam": (52.3676, 4.9041, "Amsterdam", "North Holland", "NL"),
}


def at(name):
    lat, lon, place, region, country = PLACES[name]
    return {"latitude": lat, "longitude": lon, "place": place, "region": region, "country_code": country}


def photo(owner, taken, where=None, **fields):
    """An analysed photo taken at `taken` (the camera's clock), in one of PLACES if `where` names it."""
    return MediaItemFactory(owner=owner, taken=taken, **(at(where) if where else {}), **fields)


def photos(owner, start, count, every=timedelta(minutes=20), where=None, **fields):
    return [photo(owner, start + every * i, where, **fields) for i in range(count)]


def load(user, today, scopes=EVERY_SCOPE):
    return library_snapshot(user.pk, scopes, today)


def picture(size, faces=(), colour=(70, 120, 160)):
    """A JPEG of `size` with a gradient and each face (x, y, w, h) painted solid red."""
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image = Image.blend(image, Image.new("RGB", size, colour), 0.5)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in faces:
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=(255, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def pictured(owner, taken=None, size=(1200, 900), faces=(), person=None, where=None, **fields):
    """An analysed photo whose previews exist in storage, with its faces as rows."""
    data = picture(size, faces)
    item = photo(
        owner, taken, where, width=size[0], height=size[1],
        thumb_large=save_bytes(f"users/{owner.pk}/thumbs/large.jpg", data),
        thumb_small=save_bytes(f"users/{owner.pk}/thumbs/small.jpg", data),
        original="", **fields,
    )
    for x, y, w, h in faces:
        FaceFactory(media=item, person=person, x=x, y=y, w=w, h=h)
    return item
