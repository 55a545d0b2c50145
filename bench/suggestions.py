"""Suggestion speed on a synthetic library: refreshes of 20,000 analysed photos, a collage, a recap.

    .venv/bin/python bench/suggestions.py [--items 20000]

Runs on a throwaway database, storage and broker in a temporary folder (nothing under var/ is
touched). Prints each figure, its target, and its ratio to a floor measured in the same process:
reading the same rows (refresh), decoding the photos and encoding one JPEG (collage), encoding
the recap's own frames again (recap). Each figure is wall-clock time, with the
process's CPU time beside it, steadier when others share the machine.
"""

import argparse
import io
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="rollweb-bench-")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"  # renders are queued, as in production, not run inline
os.environ["DJANGO_SETTINGS_MODULE"] = "rollweb.settings"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from bench.timing import encode_again, timed  # noqa: E402
from consent import scopes  # noqa: E402
from consent.models import Method  # noqa: E402
from consent.services import scopes_grant  # noqa: E402
from rollweb.storage import save_bytes  # noqa: E402
from suggestions.analysis import images  # noqa: E402
from suggestions.feed import render as feed_render, services as feed  # noqa: E402
from suggestions.feed.selectors import library_snapshot  # noqa: E402
from suggestions.generators import drafts_for  # noqa: E402
from suggestions.generators.recap import recap_seconds  # noqa: E402
from suggestions.models import (  # noqa: E402
    Face, Home, MediaItem, Person, Suggestion, SuggestionItem, YearReviewRequest,
)

TODAY = date(2024, 6, 20)
HOME = ("London", "England", "GB", 51.5072, -0.1276)
CITIES = [
    ("Florence", "Tuscany", "IT", 43.7696, 11.2558), ("Rome", "Lazio", "IT", 41.9028, 12.4964),
    ("Paris", "Île-de-France", "FR", 48.8566, 2.3522), ("Berlin", "Berlin", "DE", 52.52, 13.405),
    ("Barcelona", "Catalonia", "ES", 41.3874, 2.1686), ("Lisbon", "Lisbon", "PT", 38.7223, -9.1393),
    ("Edinburgh", "Scotland", "GB", 55.9533, -3.1883), ("New York", "New York", "US", 40.7128, -74.006),
    ("Vienna", "Vienna", "AT", 48.2082, 16.3738), ("Amsterdam", "North Holland", "NL", 52.3676, 4.9041),
    ("Penzance", "England", "GB", 50.1188, -5.5376), ("Kyoto", "Kyoto", "JP", 35.0116, 135.7681),
]
TARGETS = {"full": 5.0, "incremental": 1.0, "collage": 1.0, "recap": 20.0}




def synthetic_days(rng, count):
    """(day, place, photos that day) going back from yesterday until `count` photos: everyday life
    at home most days, and about four trips a year."""
    out, total, day, trip_left, city = [], 0, TODAY - timedelta(days=1), 0, None
    while total < count:
        if trip_left == 0 and rng.random() < 4 / 365:
            trip_left, city = rng.randint(3, 10), rng.choice(CITIES)
        if trip_left:
            n, place = rng.randint(5, 30), city
            trip_left -= 1
        else:
            n = rng.choice([0, 0, 0, 1, 1, 2, 3, 4, 6, 9, 14, 22]) if rng.random() < 0.8 else 0
            place = HOME
        if n:
            out.append((day, place, n))
            total += n
        day -= timedelta(days=1)
    return out


def build_library(user, count, rng, start_id=0):
    people = [
        Person(owner=user, name=f"Friend {i}", birthday=date(1980 + i, *((6, 23) if i == 0 else (1 + i % 12, 1 + i))),
               hidden=(i == 19))
        for i in range(20)
    ]
    Person.objects.bulk_create(people)
    Home.objects.create(owner=user, latitude=HOME[3], longitude=HOME[4], place=HOME[0], region=HOME[1], country_code=HOME[2])
    YearReviewRequest.objects.create(owner=user, year=TODAY.year - 1)  # so that every kind is made
    return add_items(user, synthetic_days(rng, count), rng, people, count, start_id)


def add_items(user, days, rng, people, limit, start_id):
    items, faces = [], []
    serial = start_id
    for day, (place, region, country, lat, lon), n in days:
        moment = datetime(day.year, day.month, day.day, rng.randint(8, 18), rng.randint(0, 59), tzinfo=timezone.utc)
        burst = None
        for _ in range(n):
            if len(items) == limit:
                break
            moment += timedelta(minutes=rng.choice([0.1, 1, 2, 5, 10, 20, 45]))
            serial += 1
            in_burst = rng.random() < 0.1
            burst = burst or (f"b{serial}" if in_burst else None)
            items.append(MediaItem(
                owner=user, kind="photo", status="analyzed", original=f"users/{user.pk}/originals/{serial}.jpg",
                sha256=f"{serial:064x}", original_name=f"IMG_{serial}.jpg", mime="image/jpeg", bytes=3_000_000,
                width=4032, height=3024, thumb_small=f"users/{user.pk}/thumbs/{serial}s.jpg",
                thumb_large=f"users/{user.pk}/thumbs/{serial}l.jpg", captured_at=moment, captured_offset=60,
                latitude=lat + rng.uniform(-0.05, 0.05), longitude=lon + rng.uniform(-0.05, 0.05), place=place,
                region=region, country_code=country, quality=rng.random(), sharpness=rng.uniform(10, 900),
                exposure=rng.random(), colourfulness=rng.uniform(0, 100), phash=f"{rng.getrandbits(64):016x}",
                burst=burst if in_burst else "", best_shot=not in_burst or rng.random() < 0.3,
            ))
            if not in_burst:
                burst = None
    MediaItem.objects.bulk_create(items, batch_size=2000)
    absent_since = TODAY - timedelta(days=240)  # Friend 18 has not been seen for eight months
    for item in items:
        if rng.random() < 0.3:
            for person in rng.sample(people, rng.randint(1, 3)):
                if person.name == "Friend 18" and item.captured_at.date() > absent_since:
                    continue
                faces.append(Face(media=item, person=person, x=rng.randint(0, 3000), y=rng.randint(0, 2000), w=300, h=300,
                                  encoding=bytes(512)))
    Face.objects.bulk_create(faces, batch_size=2000)
    return items


def sample_pictures(count):
    """Photo-like JPEG previews (1280 px): the corpus's faces when present, else drawn scenes."""
    corpus = Path(os.environ.get("ROLLWEB_CORPUS", REPO.parent / "shared" / "corpus")) / "faces"
    sources = sorted(corpus.glob("*.jpg")) if corpus.is_dir() else []
    pictures, rng = [], random.Random(7)
    for index in range(count):
        if sources:
            with open(sources[index % len(sources)], "rb") as file:
                picture = images.decode(images.open_image(file, 10**9), images.THUMB_LARGE)
        else:
            picture = Image.new("RGB", (1280, 960), tuple(rng.randint(40, 220) for _ in range(3)))
            draw = ImageDraw.Draw(picture)
            for _ in range(40):
                x, y = rng.randint(0, 1280), rng.randint(0, 960)
                draw.ellipse((x, y, x + rng.randint(20, 300), y + rng.randint(20, 300)), fill=tuple(rng.randint(0, 255) for _ in range(3)))
            picture = picture.filter(ImageFilter.GaussianBlur(2))
        pictures.append(picture)
    return pictures


def render_suggestion(user, kind, pictures):
    suggestion = Suggestion.objects.create(
        owner=user, kind=kind, title=kind, reason="bench", fingerprint=f"bench-{kind}",
        scopes_used=Suggestion.scopes_value(["library", "time"]),
    )
    for position, picture in enumerate(pictures):
        data = images.jpeg_bytes(picture, quality=82)
        item = MediaItem.objects.create(
            owner=user, kind="photo", status="analyzed", original="", sha256=f"{kind}{position:060d}",
            original_name="x.jpg", mime="image/jpeg", bytes=len(data), width=picture.width, height=picture.height,
            thumb_large=save_bytes(f"users/{user.pk}/thumbs/{kind}{position}.jpg", data),
        )
        SuggestionItem.objects.create(suggestion=suggestion, media=item, position=position)
    took, name = timed(feed_render.suggestion_render, suggestion.pk)
    assert name, "nothing was rendered"
    return took, name


def collage_floor(pictures):
    """Decoding the same previews and encoding one 2048-px JPEG of them: what any collage costs."""
    blobs = [images.jpeg_bytes(p, quality=82) for p in pictures]

    def floor():
        decoded = [images.decode(images.open_image(io.BytesIO(blob), 10**9), images.THUMB_LARGE) for blob in blobs]
        images.jpeg_bytes(decoded[0].resize((2048, 2048)), quality=88)

    return timed(floor)[0]



def line(name, seconds, target=None, floor=None, note=""):
    parts = [f"{name:<50} {seconds:7.3f} s (cpu {getattr(seconds, 'cpu', 0):6.3f} s)"]
    if target:
        parts.append(f"target < {target:g} s ({'ok' if seconds < target else 'MISSED'})")
    if floor:
        parts.append(f"{seconds / floor:5.1f}× the floor ({floor:.3f} s)")
    print("  ".join(parts) + (f"  {note}" if note else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    args = parser.parse_args()
    print("load average at the start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    call_command("migrate", verbosity=0)
    rng = random.Random(2024)
    user = get_user_model().objects.create_user("bench", password="bench-only-password")
    scopes_grant(user, list(scopes.ORDER), notice_version=scopes.notice_version(), method=Method.WEB, biometric_confirmed=True)
    build_seconds, items = timed(build_library, user, args.items, rng)
    print(f"rollweb suggestion benchmark: {len(items):,} analysed photos, {Face.objects.count():,} faces, "
          f"{items[-1].captured_at:%Y} to {items[0].captured_at:%Y} (built in {build_seconds:.1f} s), today = {TODAY}")

    grants = set(scopes.ORDER)
    # The floor of every refresh: reading the same rows once through the ORM.
    read_floor, _ = timed(lambda: list(MediaItem.objects.filter(owner=user).values_list(
        "id", "width", "height", "captured_at", "captured_offset", "latitude", "longitude", "place", "region",
        "country_code", "quality", "phash", "burst", "best_shot")))
    load_seconds, library = timed(library_snapshot, user.pk, grants, TODAY)
    draft_seconds, drafts = timed(drafts_for, library)
    line("load the library (rows → plain photos)", load_seconds, floor=read_floor)
    line("run every generator", draft_seconds, note=f"{len(drafts)} drafts")

    full, result = timed(feed.suggestions_refresh, user.pk, today=TODAY)
    kinds = {}
    for suggestion in result.created:
        kinds[suggestion.kind] = kinds.get(suggestion.kind, 0) + 1
    line("full refresh (first: every suggestion new)", full, TARGETS["full"], read_floor,
         f"{len(result.created)} stored: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    same, result = timed(feed.suggestions_refresh, user.pk, today=TODAY)
    line("refresh with nothing new", same, TARGETS["incremental"], read_floor, f"{len(result.created)} stored")

    people = list(Person.objects.filter(owner=user))
    yesterday = [(TODAY - timedelta(days=1), HOME, 50)]
    add_items(user, yesterday, rng, people, 50, start_id=10**7)
    incremental, result = timed(feed.suggestions_refresh, user.pk, today=TODAY)
    line("incremental refresh after 50 new photos", incremental, TARGETS["incremental"], read_floor,
         f"{len(result.created)} stored, {result.removed} replaced")
    tomorrow, result = timed(feed.suggestions_refresh, user.pk, today=TODAY + timedelta(days=1))
    line("daily refresh (the next day)", tomorrow, TARGETS["incremental"], read_floor,
         f"{len(result.created)} stored, {result.removed} gone")

    pictures = sample_pictures(9)
    collage, _ = render_suggestion(user, "event", pictures)
    line("collage of 9 photos (load, lay out, encode, store)", collage, TARGETS["collage"], collage_floor(pictures))
    count = 9
    seconds = recap_seconds(count)
    recap, name = render_suggestion(user, "recap_video", pictures[:count])
    line(f"recap video of {count} photos, {seconds:.1f} s of 720p", recap, TARGETS["recap"], encode_again(name))
    print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print("Figures from a shared machine vary; compare the ratios, and re-measure on a quiet one.")


if __name__ == "__main__":
    main()
