"""Photos per second from upload to analyzed, with a real worker on the default engine.

    .venv/bin/python bench/throughput.py [--photos 60] [--concurrency 2]

The default engine, in a fresh folder: SQLite, local private storage, the filesystem broker,
and `celery worker` (prefork, --concurrency, as `make run` starts it) in its own processes.
This process plays the browser: it posts each photo to /library/upload/ as the library page
does (the upload handler hashes and stores it, the view queues it), one after the other, with
every scope granted. The photos are 8-MP JPEGs generated beforehand from the corpus: portraits
of one to three people, landscapes carrying the corpus's EXIF time and GPS, and one party
scene in ten with sixteen faces 2% of the width, all with sensor-like grain (2-3 MB each).

Printed: photos/s over the whole run and once the pipeline is full, the worker's peak memory
(RSS summed over its processes, and PSS, which counts pages the processes share once), and
the same peaks while it analyses one 50-MP JPEG. Then, as a baseline measured on the machine
as it is at that moment, the floor (bench/floor.py: decode, one HOG pass, encodings; no
previews, themes, database, storage or queue) on the same photos in as many processes.
"""

import argparse
import io
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
CORPUS = Path(os.environ.get("ROLLWEB_CORPUS", REPO.parent / "shared" / "corpus"))
WORK = Path(tempfile.mkdtemp(prefix="rollweb-throughput-"))
ENGINE = {
    "SECRET_KEY": "bench-only",
    "VAR_DIR": str(WORK / "var"),
    "MEDIA_ROOT": str(WORK / "private"),
    "DJANGO_SETTINGS_MODULE": "rollweb.settings",
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "LOG_LEVEL": "WARNING",
    "ALLOWED_HOSTS": "testserver,127.0.0.1",
}
os.environ.update(ENGINE)

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from PIL import Image  # noqa: E402

from bench import floor, scenes  # noqa: E402
from suggestions.tasks import IDLE_TRIM_SECONDS  # noqa: E402

SIZE = (3264, 2448)
PORTRAITS = [
    "faces/obama.jpg", "faces/kit_with_rose.jpg", "faces/two_people.jpg", "faces/biden.jpg",
    "faces/alex_lacamoire1.jpg", "faces/rose_leslie_img1.jpg", "faces/obama_and_biden.jpg", "faces/biden_biden2.jpg",
]
LANDSCAPES = ["exif/DSCN0010.jpg", "exif/DSCN0012.jpg", "exif/DSCN0021.jpg", "exif/DSCN0025.jpg", "exif/iphone_hdr_YES.jpg"]


def photo_set(count):
    crops = scenes.face_crops(CORPUS)
    photos = []
    for index in range(count):
        if index % 10 == 9:
            image, _ = scenes.group_scene(crops, *SIZE, fraction=0.02, seed=index)
            exif = b""
        elif index % 2 == 0:
            image = scenes.portrait_scene(CORPUS, PORTRAITS[index // 2 % len(PORTRAITS)], *SIZE, seed=index)
            exif = b""
        else:
            source = Image.open(CORPUS / LANDSCAPES[index // 2 % len(LANDSCAPES)])
            exif = source.info.get("exif", b"")
            image = source.convert("RGB").resize(SIZE, Image.Resampling.BICUBIC)
            image.putpixel((index, 0), (index % 256, 0, 0))  # distinct bytes, so none is a duplicate
        image = _grain(image, seed=index)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=90, exif=exif)
        photos.append((f"IMG_{index:04d}.jpg", out.getvalue()))
    return photos


def _grain(image, seed, sigma=8.0):
    """Sensor-like noise, so the JPEGs weigh about what phone photos weigh (2-3 MB at 8 MP), not 1 MB."""
    import numpy as np

    pixels = np.asarray(image, dtype=np.float32)
    pixels += np.random.default_rng(seed).normal(0, sigma, pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


class WorkerMemory(threading.Thread):
    """Samples the worker's processes: summed RSS, summed PSS, and the largest single RSS."""

    def __init__(self, pid, interval=0.25):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.interval = interval
        self.running = True
        self.reset()

    def reset(self):
        self.peak_rss = self.peak_pss = self.peak_single = 0
        self.peak_uss = {}
        self.cpu = {}

    def cpu_seconds(self):
        return sum(self.cpu.values())

    def main_cpu_seconds(self):
        """The worker's main process alone: Celery's bookkeeping and the broker's polling."""
        return self.cpu.get(self.root.pid, 0.0)

    def run(self):
        while self.running:
            try:
                processes = [self.root, *self.root.children(recursive=True)]
                rss = pss = single = 0
                for process in processes:
                    info = process.memory_full_info()
                    rss += info.rss
                    pss += info.pss
                    single = max(single, info.rss)
                    self.peak_uss[process.pid] = max(self.peak_uss.get(process.pid, 0), info.uss)
                    times = process.cpu_times()
                    self.cpu[process.pid] = times.user + times.system
                self.peak_rss = max(self.peak_rss, rss)
                self.peak_pss = max(self.peak_pss, pss)
                self.peak_single = max(self.peak_single, single)
            except psutil.Error:
                pass
            time.sleep(self.interval)


def wait_for(ids, timeout):
    """Wait until every item is analyzed or failed, asking four times a second (lightly: this
    process shares the two cores with the worker it measures)."""
    from suggestions.models import MediaItem

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not MediaItem.objects.filter(pk__in=ids).exclude(status__in=("analyzed", "failed")).exists():
            return
        time.sleep(0.25)
    raise SystemExit(f"timed out waiting for {len(ids)} items")


def upload(client, name, data):
    """As the library page's uploader does: a 429 is waited out (its Retry-After) and sent again."""
    response = client.post("/library/upload/", {"file": _file(name, data)})
    while response.status_code == 429:
        time.sleep(int(response.get("Retry-After", "1")))
        response = client.post("/library/upload/", {"file": _file(name, data)})
    if response.status_code != 201:
        raise SystemExit(f"upload of {name} answered {response.status_code}: {response.content[:200]!r}")
    return response.json()["id"]


def _file(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()

    from consent.models import Method
    from consent.scopes import ORDER, notice_version
    from consent.services import scopes_grant
    from django.contrib.auth.models import User
    from django.utils import timezone
    from suggestions.models import MediaItem

    print(f"rollweb throughput · {os.cpu_count()} cores · work folder {WORK}", flush=True)
    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", password="bench-only-password")
    scopes_grant(user, ORDER, notice_version=notice_version(), method=Method.WEB, biometric_confirmed=True)
    client = Client()
    client.force_login(user)

    print(f"generating {args.photos} 8-MP JPEGs and one of 50 MP ...", flush=True)
    photos = photo_set(args.photos + 2)
    warm, photos = photos[:2], photos[2:]
    big = scenes.portrait_scene(CORPUS, "faces/obama_and_biden.jpg", 8660, 5773)
    big_jpeg = scenes.jpeg(big, quality=90)
    del big
    print(f"  8-MP JPEGs of {sum(len(d) for _, d in photos) / len(photos) / 1e6:.1f} MB on average; 50 MP: {len(big_jpeg) / 1e6:.1f} MB")

    command = [
        sys.executable, "-m", "celery", "-A", "rollweb", "worker", "--concurrency", str(args.concurrency),
        "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", "bench@%h",
    ]
    worker = subprocess.Popen(command, cwd=REPO, env={**os.environ, **ENGINE}, start_new_session=True)
    memory = WorkerMemory(worker.pid)
    memory.start()
    try:
        started = time.monotonic()
        wait_for([upload(client, name, data) for name, data in warm], timeout=180)
        print(f"worker ready and warm after {time.monotonic() - started:.1f} s")
        time.sleep(1)
        idle_before = memory.cpu_seconds()
        time.sleep(5)
        print(f"idle worker (polling the broker): {(memory.cpu_seconds() - idle_before) / 5:.1%} of one core")
        memory.reset()

        time.sleep(2 * memory.interval)
        cpu_before = memory.cpu_seconds()
        cpu_by_process = dict(memory.cpu)
        machine_before = psutil.cpu_times()
        start, started_at = time.monotonic(), timezone.now()
        web_cpu = time.process_time()
        ids = [upload(client, name, data) for name, data in photos]
        web_cpu = time.process_time() - web_cpu
        uploaded = time.monotonic() - start
        wait_for(ids, timeout=60 * args.photos)
        time.sleep(2 * memory.interval)
        worker_cpu = memory.cpu_seconds() - cpu_before  # sampled 4 times a second: to within 0.25 s
        main_cpu = memory.cpu[worker.pid] - cpu_by_process.get(worker.pid, 0)
        machine = {key: after - before for key, after, before in zip(psutil.cpu_times()._fields, psutil.cpu_times(), machine_before)}
        items = MediaItem.objects.filter(pk__in=ids)
        failed = items.filter(status="failed").count()
        finished = sorted(items.values_list("analyzed_at", flat=True))
        elapsed = (finished[-1] - started_at).total_seconds()  # to the last item's own finish time
        # Once the pipeline is full: from the fifth item done to the last.
        fifth, last = finished[4], finished[-1]
        steady = (len(finished) - 5) / max((last - fifth).total_seconds(), 1e-6)
        faces = sum(item.faces.count() for item in items)
        print(f"\n{len(ids)} photos ({faces} faces, {failed} failed), uploads took {uploaded:.1f} s")
        print(f"photos/s from first upload to last analyzed: {len(ids) / elapsed:.2f}  (target >= 2)")
        print(f"photos/s once the pipeline is full:          {steady:.2f}")
        print(f"CPU s per photo: worker {worker_cpu / len(ids):.2f}, web (upload) {web_cpu / len(ids):.3f}; "
              f"worker busy {worker_cpu / elapsed / args.concurrency:.0%} of {args.concurrency} processes' time; "
              f"machine load average {os.getloadavg()[0]:.1f}, idle {machine['idle'] / sum(machine.values()):.0%}, "
              f"steal {machine.get('steal', 0) / sum(machine.values()):.0%}")
        print(f"  of the worker's CPU, its main process (queue, hand-off to the pool) took {main_cpu / worker_cpu:.1%}")
        print(f"worker memory peak: RSS summed {memory.peak_rss / 2**20:.0f} MB, PSS summed {memory.peak_pss / 2**20:.0f} MB, "
              f"largest process {memory.peak_single / 2**20:.0f} MB  (target < 600 MB)")
        print("  memory of its own (USS) per process: " + ", ".join(f"{uss / 2**20:.0f} MB" for uss in memory.peak_uss.values()))

        time.sleep(IDLE_TRIM_SECONDS + 1)
        idle = [process.memory_info().rss for process in [memory.root, *memory.root.children(recursive=True)]]
        print(f"  idle {IDLE_TRIM_SECONDS + 1:.0f} s after the run (memory given back): " + ", ".join(f"{rss / 2**20:.0f} MB" for rss in idle))

        memory.reset()
        [big_id] = [upload(client, "IMG_50MP.jpg", big_jpeg)]
        wait_for([big_id], timeout=600)
        big_item = MediaItem.objects.get(pk=big_id)
        print(f"\n50-MP JPEG ({big_item.width} x {big_item.height}): {big_item.status}, {big_item.faces.count()} faces; worker peak: "
              f"RSS summed {memory.peak_rss / 2**20:.0f} MB, PSS summed {memory.peak_pss / 2**20:.0f} MB, "
              f"largest process {memory.peak_single / 2**20:.0f} MB")
    finally:
        memory.running = False
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()

    baseline = floor.floor_rate([data for _, data in photos], args.concurrency)
    rate = len(ids) / elapsed
    print(f"\nbaseline, the floor on the same photos in {args.concurrency} processes: {baseline:.2f} photos/s; "
          f"rollweb end to end reaches {rate / baseline:.0%} of it")


if __name__ == "__main__":
    main()
