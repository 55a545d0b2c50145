"""How soon the first trip or "on this day" appears after a large first upload, and what the
whole analysis costs against the floor.

    nice .venv/bin/python bench/first_suggestions.py [--photos 1000] [--bases 20]

The default engine in a fresh folder (SQLite, local private storage, the filesystem broker),
with real Celery workers and beat as `make run` starts them, except that collages and recaps
run in a worker of their own (`-Q <queue>.render,<queue>.erase`, one process) so that the
analysis worker's CPU time is the analysis alone. One person with every scope granted uploads a
camera roll of 8-MP phone photos, oldest first, through /library/upload/ as the library page
does. The roll is `--bases` distinct photos made from the corpus (bench/throughput.photo_set:
portraits, landscapes, one party scene in ten, with sensor grain), copied with other EXIF
capture times and GPS: three years at home in London with a week around today's date each
year, and four trips (Paris, Tuscany, Lisbon, Edinburgh).

Printed: seconds from the last upload finished to the first trip or on-this-day suggestion
(negative when it came before), when the first pass and the second were done for every photo,
and the analysis worker's CPU seconds per photo against the floor's (bench/floor.py: one draft
decode, one HOG pass, encodings), measured right afterwards in as many processes on the distinct
photos (this machine's speed drifts by 10-20% from minute to minute: compare the ratio).
"""

import argparse
import os
import random
import signal
import struct
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import throughput  # noqa: E402  (sets up Django on a fresh default engine)
from bench.throughput import ENGINE, WorkerMemory, photo_set, upload  # noqa: E402

from django.utils import timezone  # noqa: E402
from PIL import Image  # noqa: E402

HOME = ("London", 51.5074, -0.1278)
TRIPS = [  # place, lat, lon, first day, days, photos
    ("Paris", 48.8566, 2.3522, date(2025, 6, 10), 5, 110),
    ("Tuscany", 43.4633, 11.8796, date(2024, 8, 1), 6, 130),
    ("Lisbon", 38.7223, -9.1393, date(2023, 4, 15), 4, 80),
    ("Edinburgh", 55.9533, -3.1883, date(2025, 9, 20), 3, 60),
]


def roll(count, today):
    """[(local capture datetime, lat, lon)] for `count` photos, oldest first."""
    rng = random.Random(16)
    shots = []
    for _, lat, lon, first, days, photos in TRIPS:
        for index in range(round(photos * count / 1000)):
            day = first + timedelta(days=index * days // max(1, round(photos * count / 1000)))
            shots.append((_at(day, rng), lat + rng.uniform(-0.02, 0.02), lon + rng.uniform(-0.02, 0.02)))
    anniversary = round(60 * count / 1000)  # a week around today's date in each of three years
    for index in range(anniversary):
        day = today.replace(year=today.year - 1 - index % 3) + timedelta(days=index % 5 - 2)
        shots.append((_at(day, rng), *_near(HOME, rng)))
    home_days = [today - timedelta(days=rng.randrange(10, 3 * 365)) for _ in range(60)]
    while len(shots) < count:
        shots.append((_at(rng.choice(home_days), rng), *_near(HOME, rng)))
    return sorted(shots[:count])


def _near(place, rng, degrees=0.002):
    return place[1] + rng.uniform(-degrees, degrees), place[2] + rng.uniform(-degrees, degrees)


def _at(day, rng):
    return datetime(day.year, day.month, day.day, rng.randrange(9, 20), rng.randrange(60), rng.randrange(60))


def _rational(value):
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (degrees, minutes, round(((value - degrees) * 60 - minutes) * 60, 4))


def exif_bytes(when, lat, lon):
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Bench", "Phone 8MP"
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub[0x9011] = "+01:00" if 4 <= when.month <= 10 else "+00:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = ("N" if lat >= 0 else "S"), _rational(abs(lat))
    gps[3], gps[4] = ("E" if lon >= 0 else "W"), _rational(abs(lon))
    return exif.tobytes()


def with_exif(jpeg, exif):
    """The same JPEG (same pixels, not encoded again) carrying `exif` instead of its own."""
    assert jpeg[:2] == b"\xff\xd8"
    position, kept = 2, []
    while jpeg[position] == 0xFF and jpeg[position + 1] not in (0xDA, 0xD9):
        marker = jpeg[position + 1]
        length = struct.unpack(">H", jpeg[position + 2:position + 4])[0]
        segment = jpeg[position:position + 2 + length]
        if not (marker == 0xE1 and segment[4:10] == b"Exif\x00\x00"):
            kept.append(segment)
        position += 2 + length
    payload = exif if exif.startswith(b"Exif") else b"Exif\x00\x00" + exif
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return b"\xff\xd8" + app1 + b"".join(kept) + jpeg[position:]


def start(queues, concurrency, name):
    command = [
        sys.executable, "-m", "celery", "-A", "rollweb", "worker", "--concurrency", str(concurrency),
        "--loglevel", os.environ.get("BENCH_WORKER_LOG", "WARNING"), "--without-gossip", "--without-mingle", "-n", f"{name}@%h",
    ]
    if queues:
        command += ["-Q", ",".join(queues)]
    return subprocess.Popen(command, cwd=REPO, env={**os.environ, **ENGINE}, start_new_session=True)


def stop(process):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def first_suggestion(user, kinds=("trip", "on_this_day")):
    from suggestions.models import Suggestion

    return Suggestion.objects.filter(owner=user, kind__in=kinds).order_by("created_at").first()


def floor_cpu_per_photo(photos, processes):
    """CPU seconds per photo of bench/floor.py in as many processes as the worker has."""
    import multiprocessing

    import psutil

    from bench import floor
    from suggestions.analysis import faces as face_analysis

    def cpu(children):
        return sum(sum(child.cpu_times()[:2]) for child in children)

    face_analysis.preload()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pool.map(floor._one, photos[:processes], chunksize=1)  # warm each process's caches
        children = psutil.Process().children()
        before = cpu(children)
        pool.map(floor._one, photos, chunksize=1)
        return (cpu(children) - before) / len(photos)


def load():
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def last_refresh(user):
    from suggestions.models import SuggestionRefresh

    return SuggestionRefresh.objects.filter(owner=user).values_list("refreshed_at", flat=True).first()


def settled(user, ids):
    """Every item analysed and no refresh of the person's suggestions waiting or running."""
    from suggestions.models import MediaItem, SuggestionRefresh

    if MediaItem.objects.filter(pk__in=ids).exclude(status__in=("analyzed", "failed")).exists():
        return False
    return not SuggestionRefresh.objects.filter(owner=user, due_at__isnull=False).exists()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--bases", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()

    from consent.models import Method
    from consent.scopes import ORDER, notice_version
    from consent.services import scopes_grant
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client
    from rollweb.queue import queue_name
    from suggestions.models import MediaItem, ProcessingRecord

    print(f"rollweb first suggestions · {os.cpu_count()} cores · load average {load()} · work folder {throughput.WORK}",
          flush=True)
    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", password="bench-only-password")
    scopes_grant(user, ORDER, notice_version=notice_version(), method=Method.WEB, biometric_confirmed=True)
    client = Client()
    client.force_login(user)

    started = time.monotonic()
    bases = [data for _, data in photo_set(args.bases)]
    today = timezone.localdate()
    photos = [
        (f"IMG_{index:05d}.jpg", with_exif(bases[index % len(bases)], exif_bytes(when, lat, lon)))
        for index, (when, lat, lon) in enumerate(roll(args.photos, today))
    ]
    print(f"{len(photos)} 8-MP JPEGs ({len(bases)} distinct pictures, {sum(len(d) for _, d in photos) / len(photos) / 1e6:.1f} MB "
          f"on average) made in {time.monotonic() - started:.0f} s", flush=True)

    prefix = os.environ.get("CELERY_QUEUE", "celery")
    analysis = start([prefix, queue_name("ingest"), queue_name("analysis")], args.concurrency, "analysis")
    renders = start([queue_name("render"), queue_name("erase")], 1, "render")
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "rollweb", "beat", "--loglevel", "WARNING"],
        cwd=REPO, env={**os.environ, **ENGINE}, start_new_session=True,
    )
    memory = WorkerMemory(analysis.pid)
    memory.start()
    try:
        warm = upload(client, "warm.jpg", with_exif(bases[0], exif_bytes(datetime(2020, 1, 1, 12), *HOME[1:])))
        throughput.wait_for([warm], timeout=300)
        MediaItem.objects.filter(pk=warm).delete()
        time.sleep(2 * memory.interval)
        cpu_before, main_before = memory.cpu_seconds(), memory.main_cpu_seconds()
        first_upload = timezone.now()
        ids = [upload(client, name, data) for name, data in photos]
        last_upload = timezone.now()
        print(f"uploads took {(last_upload - first_upload).total_seconds():.1f} s (load average {load()})", flush=True)
        refreshes = set()
        while first_suggestion(user) is None and not settled(user, ids):
            refreshes.add(last_refresh(user))
            time.sleep(0.25)
        found = first_suggestion(user)
        throughput.wait_for(ids, timeout=60 * args.photos)
        refreshes.add(last_refresh(user))
        time.sleep(2 * memory.interval)
        worker_cpu = memory.cpu_seconds() - cpu_before
        main_cpu = memory.main_cpu_seconds() - main_before
    finally:
        memory.running = False
        for process in (beat, renders, analysis):
            stop(process)

    items = MediaItem.objects.filter(pk__in=ids)
    failed = items.filter(status="failed").count()
    analysed = max(items.values_list("analyzed_at", flat=True))
    ingested = max(
        ProcessingRecord.objects.filter(media__in=items, stage="pass_ingest").values_list("finished_at", flat=True)
    )
    print(f"\n{len(ids)} photos ({items.filter(faces__isnull=False).distinct().count()} with faces, {failed} failed)")
    print(f"first pass (stored, dated, placed) done for every photo {(ingested - last_upload).total_seconds():+.1f} s "
          f"after the last upload; second pass (faces, themes) {(analysed - last_upload).total_seconds():+.1f} s")
    ran = [f"{(at - last_upload).total_seconds():+.0f}" for at in sorted(at for at in refreshes if at and at > first_upload)]
    print(f"suggestion refreshes seen finishing at (s after the last upload): {', '.join(ran) or 'none'}")
    if found is None:
        print("no trip or on-this-day suggestion appeared")
    else:
        print(f"first {found.kind.replace('_', '-')} suggestion ({found.title!r}): "
              f"{(found.created_at - last_upload).total_seconds():+.1f} s after the last upload finished "
              f"({(found.created_at - first_upload).total_seconds():.1f} s after the first began)  (target < 90 s)")

    floor_cpu = floor_cpu_per_photo(bases * 2, args.concurrency)
    per_photo = worker_cpu / len(ids)
    print(f"CPU s per photo: rollweb's analysis worker {per_photo:.3f} (both passes, queue, database, storage, "
          f"suggestion refreshes), the floor {floor_cpu:.3f} (its {len(bases)} distinct photos twice, in "
          f"{args.concurrency} processes, measured after the run): "
          f"{per_photo / floor_cpu:.2f}x the floor  (target <= 1.1); of the worker's, its main process (Celery "
          f"and the broker's polling) {main_cpu / len(ids):.3f}")
    print(f"load average at the end: {load()}")


if __name__ == "__main__":
    main()
