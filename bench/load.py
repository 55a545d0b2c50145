"""Load on the production engine: gunicorn, PostgreSQL, Redis, S3 (SeaweedFS) and two workers.

Uploaders each send their own distinct photos while readers fetch their pages for a while; then
it prints errors, lost uploads (what each client was told was kept, against rows and against
objects in the bucket), read latency (p50, p95) and photos analysed per second.

    .venv/bin/python bench/load.py                      # a short run, about two minutes
    .venv/bin/python bench/load.py --uploaders 20 --photos 200 --readers 50 --minutes 10

Clients use the web pages' own calls (/library/upload/, and /library/ as the page read). When the
REST API lands (issue 5), round 2 switches them to the phone's check-then-upload loop and the
suggestion feed. Services come from BENCH_DATABASE_URL (its database is dropped and created:
default postgres://postgres@127.0.0.1:5432/rollweb_bench) and BENCH_BROKER_URL (default
redis://127.0.0.1:6379/0, with a queue of its own); SeaweedFS and gunicorn get free ports unless
ROLLWEB_TEST_WEED_PORTS and BENCH_WEB_PORT name them. Everything started is stopped at the end.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import services  # noqa: E402  (process helpers shared with the integration tier)

CORPUS = Path(os.environ.get("ROLLWEB_CORPUS", REPO.parent / "shared" / "corpus"))
BUCKET = "rollweb-bench"


def configure(work):
    """The production engine's environment, for this process and every server it starts."""
    ports = os.environ.get("ROLLWEB_TEST_WEED_PORTS") or ",".join(
        str(services.free_port(also_free_offset=10000)) for _ in range(4)
    )
    env = {
        "SECRET_KEY": "bench-only-not-a-secret-" + "x" * 30,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rollweb_bench"),
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/0"),
        "CELERY_QUEUE": f"rollweb-bench-{os.getpid()}",
        "STORAGE_BACKEND": "s3",
        "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{ports.split(',')[3]}",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_ACCESS_KEY_ID": services.S3_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": services.S3_SECRET_KEY,
        "AWS_S3_REGION_NAME": "us-east-1",
        "ROLLWEB_TEST_WEED_PORTS": ports,
        "VAR_DIR": str(work / "var"),
        "STATIC_ROOT": str(work / "static"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "UPLOADS_PER_MINUTE": "100000",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "rollweb.settings",
    }
    os.environ.update(env)
    return dict(os.environ)


def recreate_database(url):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def manage(env, *argv):
    subprocess.run([sys.executable, "manage.py", *argv], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)


def photo(n):
    """A distinct 640 × 480 camera photo (corpus), or a generated JPEG without the corpus."""
    from tests.flows import with_comment

    source = CORPUS / "exif" / "DSCN0010.jpg"
    if source.exists():
        return with_comment(source.read_bytes(), f"bench {n}")
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (n % 256, (n // 256) % 256, 90)).save(out, "JPEG", quality=85)
    return out.getvalue()


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.errors = []
        self.read_ms = []
        self.kept = {}  # uploader username -> ids the site said it kept

    def error(self, what):
        with self.lock:
            self.errors.append(what)


def uploader(site, username, count, offset, tally):
    kept = []
    for n in range(count):
        try:
            response = site.upload(f"bench-{n}.jpg", photo(offset + n))
        except Exception as exc:  # a refused connection is an error to report, not a crash
            tally.error(f"upload: {exc.__class__.__name__}")
            continue
        if response.status_code == 201:
            kept.append(response.json()["id"])
        else:
            tally.error(f"upload: HTTP {response.status_code}")
    with tally.lock:
        tally.kept[username] = kept


def reader(site, until, tally):
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            response = site.get("/library/")
        except Exception as exc:
            tally.error(f"read: {exc.__class__.__name__}")
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code == 200:
            with tally.lock:
                tally.read_ms.append(elapsed)
        else:
            tally.error(f"read: HTTP {response.status_code}")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def run(args):
    work = Path(tempfile.mkdtemp(prefix="rollweb-bench-"))
    env = configure(work)
    started_services = []
    try:
        print("setting up: database, static files, SeaweedFS …", flush=True)
        recreate_database(env["DATABASE_URL"])
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        ports = tuple(int(port) for port in env["ROLLWEB_TEST_WEED_PORTS"].split(","))
        weed = services.seaweedfs(work / "seaweedfs", ports, work).start()
        started_services.append(weed)
        import boto3

        s3 = boto3.client("s3", endpoint_url=env["AWS_S3_ENDPOINT_URL"], aws_access_key_id=services.S3_ACCESS_KEY,
                          aws_secret_access_key=services.S3_SECRET_KEY, region_name="us-east-1")

        def bucket_made():
            try:
                s3.create_bucket(Bucket=BUCKET)
            except s3.exceptions.BucketAlreadyOwnedByYou:
                pass
            except Exception:
                return False
            return True

        services.wait_until(bucket_made, 60, "SeaweedFS", interval=0.5)

        web_port = int(os.environ.get("BENCH_WEB_PORT") or services.free_port())
        started_services.append(services.gunicorn(env, web_port, work, workers=args.web_workers).start())
        for number in range(args.workers):
            worker = services.celery_worker(env, work, name=f"bench-worker-{number}",
                                            concurrency=args.concurrency, beat=number == 0)
            started_services.append(worker.start())
        services.wait_until(lambda: services.listening(web_port), 60, "gunicorn")

        import django

        django.setup()
        from consent import scopes
        from consent.models import Method
        from consent.services import scopes_grant
        from suggestions.models import MediaItem
        from tests.factories import UserFactory
        from tests.flows import Browserless

        base = f"http://127.0.0.1:{web_port}"

        def person(keys):
            user = UserFactory()
            scopes_grant(user, keys, notice_version=scopes.notice_version(), method=Method.WEB)
            return user, Browserless(base, user)

        uploaders = [person(["library", "time", "location"]) for _ in range(args.uploaders)]
        readers = [person(["library"]) for _ in range(args.readers)]
        tally = Tally()
        print(f"load: {args.uploaders} uploaders × {args.photos} photos, {args.readers} readers for "
              f"{args.minutes} min, {args.web_workers} web processes, {args.workers} workers × {args.concurrency}",
              flush=True)
        began = time.monotonic()
        until = began + args.minutes * 60
        threads = [threading.Thread(target=uploader, args=(site, user.username, args.photos, i * args.photos, tally))
                   for i, (user, site) in enumerate(uploaders)]
        threads += [threading.Thread(target=reader, args=(site, until, tally)) for _, site in readers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        uploads_done = time.monotonic() - began

        owners = [user for user, _ in uploaders]
        pending = MediaItem.objects.filter(owner__in=owners, status__in=["uploaded", "processing"])
        try:
            services.wait_until(lambda: not pending.exists(), args.drain_minutes * 60, "analysis to finish", interval=1)
        except AssertionError as exc:
            tally.error(str(exc))
        items = MediaItem.objects.filter(owner__in=owners)
        analysed = items.filter(status="analyzed")
        first = items.order_by("created_at").values_list("created_at", flat=True).first()
        last = analysed.order_by("-analyzed_at").values_list("analyzed_at", flat=True).first()

        lost = 0
        for user in owners:
            told = len(tally.kept.get(user.username, []))
            rows = items.filter(owner=user).count()
            objects = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"users/{user.pk}/originals/").get("KeyCount", 0)
            if not told == rows == objects:
                lost += 1
                tally.error(f"{user.username}: told {told}, rows {rows}, objects {objects}")

        print()
        print(f"uploads kept          {sum(len(v) for v in tally.kept.values())} of {args.uploaders * args.photos}"
              f" in {uploads_done:.1f} s")
        print(f"clients with a gap    {lost} (client's count = rows = objects in the bucket, per uploader)")
        print(f"errors                {len(tally.errors)}" + (f"  e.g. {tally.errors[:3]}" if tally.errors else ""))
        print(f"page reads            {len(tally.read_ms)}  p50 {percentile(tally.read_ms, 0.5):.0f} ms"
              f"  p95 {percentile(tally.read_ms, 0.95):.0f} ms"
              f"  mean {statistics.fmean(tally.read_ms) if tally.read_ms else float('nan'):.0f} ms")
        if first and last:
            span = (last - first).total_seconds()
            print(f"analysed              {analysed.count()} photos, {analysed.count() / span:.2f} photos/s "
                  f"(first upload to last analysis, {span:.1f} s)")
        peaks = [service.peak_rss_bytes() for service in started_services if service.name.startswith("bench-worker")]
        print(f"worker peak memory    {max(peaks) / 2**20:.0f} MB (largest process)")
        print("figures from a shared 2-core machine; re-measure on a quiet one")
        return 1 if tally.errors or lost else 0
    finally:
        for service in reversed(started_services):
            service.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploaders", type=int, default=3)
    parser.add_argument("--photos", type=int, default=20, help="photos per uploader")
    parser.add_argument("--readers", type=int, default=5)
    parser.add_argument("--minutes", type=float, default=0.5, help="how long the readers read")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (machines)")
    parser.add_argument("--concurrency", type=int, default=2, help="processes per worker")
    parser.add_argument("--drain-minutes", type=float, default=10, help="how long to wait for analysis to finish")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
