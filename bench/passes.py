"""What the two analysis passes cost against the floor, photo by photo, in one process.

    nice .venv/bin/python bench/passes.py [--bases 10] [--rounds 3] [--profile FILE]

bench/first_suggestions.py measures the worker over a whole upload, where the machine's speed
drifts by 10-20% between the run and the floor measured after it. This runs both on the same
8-MP photos (bench/throughput.photo_set) in this one process, interleaved: each photo is
uploaded (not counted: the web process does that), then both passes run as the worker runs
them (tasks in-process; with nothing else waiting both run in one turn, --split makes the
second a turn of its own as in a large upload), then the floor (bench/floor.py) works on the same bytes. Figures are
CPU time of this process; the ratio is the sum over every photo of every round. The database
queries of each pass are counted on the first round. With --split, the least a split adds to the
floor is measured too (split_cost), and the passes are compared with the floor plus that.
"""

import argparse
import cProfile
import io
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
WORK = Path(tempfile.mkdtemp(prefix="rollweb-passes-"))
os.environ.update(
    SECRET_KEY="bench-only", VAR_DIR=str(WORK / "var"), MEDIA_ROOT=str(WORK / "private"),
    DJANGO_SETTINGS_MODULE="rollweb.settings", CELERY_TASK_ALWAYS_EAGER="true", LOG_LEVEL="WARNING",
)

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from PIL import Image  # noqa: E402

from suggestions.analysis import images  # noqa: E402


def photos(count):
    from bench import throughput  # its import sets the worker's engine: read it only for the photos

    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    return throughput.photo_set(count)


def person():
    from consent.models import Method
    from consent.scopes import ORDER, notice_version
    from consent.services import scopes_grant
    from django.contrib.auth.models import User

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", password="bench-only-password")
    scopes_grant(user, ORDER, notice_version=notice_version(), method=Method.WEB, biometric_confirmed=True)
    return user


def passes(user, name, data, queries=None):
    """CPU seconds of both passes on one uploaded photo (the upload itself not counted)."""
    from suggestions.library import services
    from suggestions.models import MediaItem

    with transaction.atomic():  # the passes are queued when the upload commits
        item, _ = services.media_upload(user, SimpleUploadedFile(name, data), name=name)
        start = time.process_time()
        if queries is not None:
            context = CaptureQueriesContext(connection)
            context.__enter__()
    spent = time.process_time() - start
    if queries is not None:
        context.__exit__(None, None, None)
        queries.append(len(context.captured_queries))
    item = MediaItem.objects.get(pk=item.pk)
    assert item.status == "analyzed", (name, item.status, item.failure_reason)
    return spent, item.faces.count()


def floor_cost(data):
    from bench import floor
    from suggestions.analysis import faces

    start = time.process_time()
    boxes, _ = floor.floor_pipeline(data, faces.SCAN_SIDE)
    return time.process_time() - start, len(boxes)


def split_cost(data):
    """CPU seconds of the least a split adds to the floor: the first pass must make the previews
    before faces are looked for, so it decodes the original once more (at half scale, the least
    that covers the 1280-px preview), and the second pass reads that preview back for the picture
    measures (a 1280-px decode). Everything else is work one turn does too."""
    original = Image.open(io.BytesIO(data))
    preview = io.BytesIO(images.jpeg_bytes(images.decode(original, images.THUMB_LARGE), optimize=False))
    start = time.process_time()
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    image.draft("RGB", (width // 2, height // 2))
    image.load()
    Image.open(preview).load()
    return time.process_time() - start


def forget(user):
    from suggestions.models import MediaItem

    MediaItem.objects.filter(owner=user).delete()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bases", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--split", action="store_true",
                        help="always run the second pass in a turn of its own, as while other work waits")
    parser.add_argument("--profile", help="write a cProfile of the passes (every round) to this file")
    args = parser.parse_args()

    from suggestions.analysis import faces
    from suggestions.library import pipeline

    if args.split:
        pipeline._alone = lambda item, now=None: False
    print(f"rollweb passes against the floor · load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    faces.preload()
    user = person()
    shots = photos(args.bases)
    for name, data in shots[:2]:  # a portrait and a landscape with GPS: every model and table loaded
        passes(user, name, data)
        floor_cost(data)
    forget(user)

    profile = cProfile.Profile(time.process_time) if args.profile else None
    ours = floor_total = split_total = 0.0
    queries, found, floor_found = [], 0, 0
    for round_ in range(args.rounds):
        for name, data in shots:
            if profile:
                profile.enable()
            spent, count = passes(user, name, data, queries if round_ == 0 else None)
            if profile:
                profile.disable()
            ours += spent
            found += count
            spent, count = floor_cost(data)
            floor_total += spent
            floor_found += count
            if args.split:
                split_total += split_cost(data)
        forget(user)
    if profile:
        profile.dump_stats(args.profile)
    photos_run = args.rounds * len(shots)
    print(f"{photos_run} photos: rollweb's two passes {ours / photos_run:.3f} CPU s/photo, the floor "
          f"{floor_total / photos_run:.3f}: {ours / floor_total:.3f}x the floor (target <= 1.1)")
    if args.split:
        print(f"the least a split adds to the floor (a second, half-scale decode of the original and a decode of "
              f"its stored preview): {split_total / photos_run:.3f} CPU s/photo; rollweb's two passes against the "
              f"floor plus that: {ours / (floor_total + split_total):.3f}x")
    print(f"faces found: rollweb {found}, floor {floor_found}; database queries per photo (both passes): "
          f"{sum(queries) / len(queries):.1f}")
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
