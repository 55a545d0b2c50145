"""A large analysed library made of rows (and a few shared preview files), for the timeline's
browser test and bench/library.py: what the analysis stages would leave after years of photos."""

import io
import random
import uuid
from datetime import datetime, timedelta, timezone as dt_timezone

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

from suggestions.models import MediaItem, user_prefix

# (place, region, country code, latitude, longitude): accents and several countries on purpose.
PLACES = [
    ("Arezzo", "Tuscany", "IT", 43.46, 11.88),
    ("Firenze", "Tuscany", "IT", 43.77, 11.25),
    ("Málaga", "Andalucía", "ES", 36.72, -4.42),
    ("Zürich", "Zurich", "CH", 47.37, 8.54),
    ("Lyon", "Auvergne-Rhône-Alpes", "FR", 45.76, 4.84),
    ("Kraków", "Lesser Poland", "PL", 50.06, 19.94),
]
COLOURS = [(196, 98, 45), (61, 121, 164), (96, 148, 82), (172, 61, 98), (214, 170, 60), (90, 90, 140)]


def _preview(colour, side, label):
    image = Image.new("RGB", (side, side), colour)
    ImageDraw.Draw(image).ellipse((side // 4, side // 4, 3 * side // 4, 3 * side // 4), fill=(245, 240, 230))
    ImageDraw.Draw(image).text((side // 10, side // 10), label, fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def previews_store(owner_id):
    """A few small and large previews in storage, shared by the seeded rows: [(small, large), …]."""
    stored = []
    for n, colour in enumerate(COLOURS):
        names = []
        for side, folder in ((400, "thumbs"), (1280, "thumbs-large")):
            key = f"{user_prefix(owner_id)}{folder}/seed-{n}.jpg"
            if not default_storage.exists(key):
                default_storage.save(key, ContentFile(_preview(colour, side, f"{n}")))
            names.append(key)
        stored.append(tuple(names))
    return stored


def library_seed(owner, count, years, end=None, previews=None, seed=7, batch=2000):
    """`count` analysed items over `years` years ending at `end`, newest last; one in 20 a video,
    one in 40 without a capture time; places from PLACES. Returns nothing: read them back."""
    rng = random.Random(seed + owner.pk)
    end = end or datetime(2025, 6, 30, 20, tzinfo=dt_timezone.utc)
    span = timedelta(days=365 * years).total_seconds()
    rows = []
    for n in range(count):
        taken = end - timedelta(seconds=rng.random() * span)
        place, region, country, lat, lon = PLACES[rng.randrange(len(PLACES))]
        small, large = previews[n % len(previews)] if previews else ("", "")
        video = n % 20 == 0
        rows.append(MediaItem(
            owner=owner, kind=MediaItem.Kind.VIDEO if video else MediaItem.Kind.PHOTO,
            status=MediaItem.Status.ANALYZED, original=f"{user_prefix(owner.pk)}originals/{uuid.uuid4().hex}.jpg",
            sha256=uuid.uuid4().hex * 2, original_name=f"IMG_{n:05d}.{'MOV' if video else 'JPG'}",
            mime="video/quicktime" if video else "image/jpeg", bytes=2_000_000, width=4000, height=3000,
            duration_s=12.0 if video else None, thumb_small=small, thumb_large=large,
            captured_at=None if n % 40 == 7 else taken, captured_offset=None if n % 40 == 7 else 120,
            latitude=lat, longitude=lon, place=place, region=region, country_code=country,
            created_at=end + timedelta(days=1, seconds=n), analyzed_at=end + timedelta(days=1, seconds=n),
        ))
        if len(rows) >= batch:
            MediaItem.objects.bulk_create(rows)
            rows = []
    MediaItem.objects.bulk_create(rows)


SEEDED_ROWS = 3000
SEEDED_USERNAME = "roll"


def seeded_person(username=SEEDED_USERNAME, password=None, rows=SEEDED_ROWS):
    """The browser tests' person: `rows` items over six years with every scope they show granted
    (library, time, location, faces), shared previews in storage, and "Anna" on 40 of the photos."""
    from consent import scopes
    from consent.models import Method
    from consent.services import scopes_grant

    from .factories import FaceFactory, PersonFactory, UserFactory

    person = UserFactory(username=username, **({"password": password} if password else {}))
    scopes_grant(person, [scopes.LIBRARY, scopes.TIME, scopes.LOCATION, scopes.FACES],
                 notice_version=scopes.notice_version(), method="web", biometric_confirmed=True)
    library_seed(person, rows, years=6, previews=previews_store(person.pk))
    anna = PersonFactory(owner=person, name="Anna")
    for item in MediaItem.objects.filter(owner=person, kind="photo").order_by("pk")[:: rows // 40][:40]:
        FaceFactory(media=item, person=anna)
    return person


def files_of_their_own(items):
    """Give seeded items an original and previews of their own in storage (seeded rows share
    previews and have no original), so that deleting them can be seen in storage. Returns the names."""
    names = []
    for item in items:
        for field, side in (("original", 640), ("thumb_small", 400), ("thumb_large", 1280)):
            key = f"{user_prefix(item.owner_id)}{'originals' if field == 'original' else 'thumbs'}/own-{uuid.uuid4().hex}.jpg"
            setattr(item, field, default_storage.save(key, ContentFile(_preview((30, 30, 30), side, item.original_name))))
            names.append(getattr(item, field).name)
        item.save(update_fields=["original", "thumb_small", "thumb_large"])
    return names
