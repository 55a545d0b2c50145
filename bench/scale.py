"""A million analysed items on PostgreSQL: reads at 16 clients, their plans, and two large erasures.

    nice -n 15 .venv/bin/python bench/scale.py --seed-only [--scale 0.05]     # once, and after each run
    CELERY_BROKER_URL=redis://127.0.0.1:6379/6 .venv/bin/python bench/scale.py [--scale 0.05]

Seeds with COPY exactly 1,000,000 analysed items (at --scale 1): one person with 200,000 and 800
people with 1,000 each; 1.5 faces per photo on 60 % of photos, 40 people and 300 suggestions per
person, places on 70 % of photos, the ledger's record of each stage for every item; for the
200,000-item person, real preview objects (a few KB) in an S3 bucket (SeaweedFS, started here on
127.0.0.1) for 20,000 of their items — the deletes of the other 180,000 items' files are timed
against keys that do not exist, so the storage share of the erasure is extrapolated from the
20,000 (and said so). Then ANALYZE (no planner setting is changed), gunicorn, and p50/p95 at 16
clients for the feed, the timeline and its scrubber counts, a search, the sync check of 5,000
hashes and one item's page; each read's EXPLAIN (ANALYZE, BUFFERS) is written to bench/plans/.
Last, a Celery worker on the `erase` queue erases the big person's `faces` scope and then their
whole account in chunks, while other people's reads are measured; every chunk's transaction time
comes from the worker's log. Targets (issue 16): p95 < 100 ms per read, sync check < 200 ms,
faces erasure < 2 minutes, other people's p95 at most doubled, no erasure transaction over 1 s.
Never part of .ci/run.

The seed is made once and kept: the database DATABASE_URL names (by default rollweb_benchscale,
or rollweb_benchscale_0_05 at --scale 0.05) and a var dir under the seeds folder
(ROLLWEB_BENCH_SEEDS, by default bench-seeds/ beside the repository) holding SeaweedFS's data, so
the preview objects stay too. Each later run applies `migrate` to it. The erasures destroy the big
person: the next run (or `--seed-only`, better done before the quiet time) seeds that person alone
again, with the same rows and ids, and their preview objects (a few minutes instead of the whole
seed). `--reseed` drops everything and seeds again.
"""

import argparse
import hashlib
import http.client
import io
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.api import serve  # noqa: E402
from bench.library import SEEDS, fresh_postgres  # noqa: E402
from tests import services  # noqa: E402

BIG, OTHERS, OTHER_ITEMS, PREVIEWS = 200_000, 800, 1_000, 20_000
PEOPLE, SUGGESTIONS, ITEMS_PER_SUGGESTION = 40, 300, 4
FACE_SHARE, PLACE_SHARE = 0.6, 0.7
PLACES = [
    ("Arezzo", "Tuscany", "IT", 43.46, 11.88), ("Firenze", "Tuscany", "IT", 43.77, 11.25),
    ("Málaga", "Andalucía", "ES", 36.72, -4.42), ("Zürich", "Zurich", "CH", 47.37, 8.54),
    ("Lyon", "Auvergne-Rhône-Alpes", "FR", 45.76, 4.84), ("Kraków", "Lesser Poland", "PL", 50.06, 19.94),
]
END = datetime(2025, 6, 30, 20, tzinfo=dt_timezone.utc)
YEARS = 12
PLANS = REPO / "bench" / "plans"
SEEDED = "seeded.json"  # written in the var dir once a seed is whole


def sha(n):
    return hashlib.sha256(f"bench item {n}".encode()).hexdigest()


# -- services ---------------------------------------------------------------------------------


def start_s3(var_dir):
    ports = (services.free_port(10000), services.free_port(10000), services.free_port(10000),
             services.free_port(10000))
    server = services.seaweedfs(var_dir / "weed", ports, var_dir).start()
    os.environ.update(
        STORAGE_BACKEND="s3", AWS_S3_ENDPOINT_URL=f"http://127.0.0.1:{ports[3]}", AWS_STORAGE_BUCKET_NAME="bench",
        AWS_ACCESS_KEY_ID=services.S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=services.S3_SECRET_KEY,
        AWS_S3_REGION_NAME="us-east-1",
    )
    client = s3_client()

    def made():
        try:
            client.create_bucket(Bucket="bench")
        except client.exceptions.BucketAlreadyOwnedByYou:
            pass
        except Exception:
            return False
        return True

    services.wait_until(made, 90, "SeaweedFS's S3 API", interval=0.5)
    return server


def s3_client():
    import boto3  # noqa: PLC0415 (the bench's own reads of the bucket)
    from botocore.config import Config  # noqa: PLC0415

    return boto3.client(
        "s3", endpoint_url=os.environ["AWS_S3_ENDPOINT_URL"], aws_access_key_id=services.S3_ACCESS_KEY,
        aws_secret_access_key=services.S3_SECRET_KEY, region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=32),
    )


# -- the seed ----------------------------------------------------------------------------------


def media_columns():
    from suggestions.models import MediaItem  # noqa: PLC0415 (after django.setup)

    return stored_fields(MediaItem)


def stored_fields(model):
    """The columns COPY can write: the database computes generated ones itself."""
    return [field for field in model._meta.concrete_fields if not getattr(field, "generated", False)]


def column_defaults(model):
    """Each column of `model` with what Django would store when the field is not given."""
    defaults = {}
    for field in stored_fields(model):
        value = field.get_default()
        if field.get_internal_type() == "JSONField":
            value = json.dumps(value)
        defaults[field.column] = value
    return defaults


def copy_model(cursor, model, rows):
    """COPY dicts of some columns of `model`, every other column at its default (columns added by
    later migrations included)."""
    defaults = column_defaults(model)
    columns = list(defaults)
    copy(cursor, model._meta.db_table, columns, ([{**defaults, **row}[column] for column in columns] for row in rows))


def media_rows(owner_id, first_id, count, rng, with_previews):
    """COPY text lines of an analysed library; previews of the first `with_previews` items are real objects."""
    from suggestions.models import MediaItem  # noqa: PLC0415 (after django.setup)

    columns = [field.column for field in media_columns()]
    defaults = column_defaults(MediaItem)
    span = timedelta(days=365 * YEARS).total_seconds()
    now = datetime.now(dt_timezone.utc).isoformat()
    for n in range(count):
        pk = first_id + n
        taken = END - timedelta(seconds=rng.random() * span)
        added = (taken + timedelta(days=1)).isoformat()
        row = dict(defaults)
        row.update(
            id=pk, owner_id=owner_id, kind="photo", status="analyzed", sha256=sha(pk),
            original=f"users/{owner_id}/originals/{pk}.jpg", original_name=f"IMG_{pk:07d}.JPG", mime="image/jpeg",
            bytes=2_500_000, width=4032, height=3024, captured_at=taken.isoformat(), captured_offset=60, camera="Phone",
            thumb_small=f"users/{owner_id}/thumbs/{pk}.jpg" if n < with_previews else "",
            thumb_large="", quality=rng.random(), sharpness=rng.random() * 500, exposure=rng.random(),
            colourfulness=rng.random() * 80, best_shot=True, colours='["#aa5533"]',
            created_at=added, updated_at=now, analyzed_at=added,
        )
        if rng.random() < PLACE_SHARE:
            place, region, country, lat, lon = PLACES[rng.randrange(len(PLACES))]
            row.update(latitude=lat + rng.random() / 100, longitude=lon, place=place, region=region, country_code=country)
        yield "\t".join(_text(row[column]) for column in columns) + "\n"


def _text(value):
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy_text(cursor, table, columns, lines, batch=4000):
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
        chunk = []
        for line in lines:
            chunk.append(line)
            if len(chunk) >= batch:
                out.write("".join(chunk))
                chunk = []
        if chunk:
            out.write("".join(chunk))


def copy(cursor, table, columns, rows):
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
        for row in rows:
            out.write_row([row[column] for column in columns] if isinstance(row, dict) else row)


def first_ids(n, big):
    """(first item id, first person id, first suggestion id) of the n-th person: fixed by n, so that
    one person can be seeded again with the same ids (the sync check's hashes name items by id)."""
    return (1 if n == 0 else 1 + big + (n - 1) * OTHER_ITEMS), 1 + n * PEOPLE, 1 + n * SUGGESTIONS


def grant_everything(user):
    from consent import scopes  # noqa: PLC0415 (after django.setup)
    from consent.models import Method  # noqa: PLC0415
    from consent.services import scopes_grant  # noqa: PLC0415

    everything = [scopes.LIBRARY, scopes.TIME, scopes.LOCATION, scopes.FACES, scopes.THEMES]
    scopes_grant(user, everything, notice_version=scopes.notice_version(), method=Method.WEB, biometric_confirmed=True)


def seed_person(raw, user, n, big, previews, rng):
    """COPY the n-th person's library, faces, people, ledger and suggestions (`raw`: a psycopg cursor)."""
    from suggestions.library import registry  # noqa: PLC0415 (after django.setup)
    from suggestions.models import Person, Suggestion, SuggestionItem  # noqa: PLC0415

    stages = [(stage.name, stage.scope) for stage in registry.stages_for("photo")]
    columns = [field.column for field in media_columns()]
    count = big if n == 0 else OTHER_ITEMS
    first, person_id, suggestion_id = first_ids(n, big)
    copy_text(raw, "suggestions_mediaitem", columns, media_rows(user.pk, first, count, rng, previews))
    people = list(range(person_id, person_id + PEOPLE))
    copy_model(raw, Person, ({"id": pk, "owner_id": user.pk, "name": f"Person {pk % 97}" if pk % 3 else "",
                              "hidden": False, "confirmed": pk % 3 != 0, "created_at": END} for pk in people))
    # 60 % of photos have faces, half of those one and half two (1.5 a photo): picked by a
    # hash of the id so that the server makes them, as it makes each stage's ledger record.
    raw.execute(
        "INSERT INTO suggestions_face (media_id, person_id, x, y, w, h, encoding, created_at) "
        "SELECT m.id, %s + (m.id * 7 + g) %% %s, 100 * g, 100, 200, 200, %s, %s "
        "FROM suggestions_mediaitem m CROSS JOIN generate_series(0, 1) g "
        "WHERE m.owner_id = %s AND (m.id * 2654435761) %% 100 < %s AND (g = 0 OR (m.id * 40503) %% 2 = 0)",
        [people[0], PEOPLE, bytes(512), END, user.pk, int(FACE_SHARE * 100)],
    )
    raw.execute(
        "INSERT INTO suggestions_processingrecord (media_id, stage, outcome, scopes, grant_ids, started_at, "
        "finished_at, detail) SELECT m.id, s.stage, 'done', s.scopes::jsonb, '[]'::jsonb, %s, %s, 'Done.' "
        "FROM suggestions_mediaitem m CROSS JOIN (SELECT * FROM unnest(%s::text[], %s::text[]) AS t(stage, scopes)) s "
        "WHERE m.owner_id = %s",
        [END, END, [name for name, _ in stages], [json.dumps(sorted({"library", scope})) for _, scope in stages],
         user.pk],
    )
    suggestions, links = [], []
    for s in range(SUGGESTIONS):
        used = ("library", "time", "faces") if s % 3 == 0 else ("library", "time", "location")
        suggestions.append({
            "id": suggestion_id + s, "owner_id": user.pk, "kind": "event", "title": f"A day out {s}",
            "reason": "Because.", "state": "new", "fingerprint": uuid.uuid4().hex, "topic": "", "asset": "",
            "asset_mime": "", "scopes_used": ",".join(("", *sorted(used), "")), "created_at": END - timedelta(days=s),
            "updated_at": END,
        })
        for position in range(ITEMS_PER_SUGGESTION):
            links.append((suggestion_id + s, first + (s * 7 + position * 13) % count, position))
    copy_model(raw, Suggestion, suggestions)
    copy(raw, SuggestionItem._meta.db_table, ["suggestion_id", "media_id", "position"], links)


def seed(scale):
    """The people, their libraries, faces, people, suggestions and ledgers. Returns the people."""
    from django.contrib.auth import get_user_model  # noqa: PLC0415 (after django.setup)
    from django.contrib.auth.hashers import make_password  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415

    big, others, previews = int(BIG * scale), int(OTHERS * scale), int(PREVIEWS * scale)
    User = get_user_model()  # noqa: N806
    password = make_password("bench password 123")
    users = User.objects.bulk_create([User(username=f"scale{n}", password=password) for n in range(others + 1)])
    for user in users:
        grant_everything(user)
    rng = random.Random(16)  # the big person's rows come first from it: seed_big draws the same again
    with connection.cursor() as cursor:
        for n, user in enumerate(users):
            seed_person(cursor.cursor, user, n, big, previews if n == 0 else 0, rng)
            if n % 100 == 0:
                print(f"  seeded {n + 1} of {len(users)} people", flush=True)
        last_item, last_person, last_suggestion = first_ids(len(users), big)
        for table, last in (("suggestions_mediaitem", last_item), ("suggestions_person", last_person),
                            ("suggestions_suggestion", last_suggestion)):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [last])
    return finish_seed()


def big_is_whole(user, scale, marker):
    """Whether the big person is as seeded: no erasure ran or is pending, every row is there."""
    from consent.erasing import erasures_pending  # noqa: PLC0415 (after django.setup)
    from suggestions.models import Face, MediaItem, Person, Suggestion  # noqa: PLC0415

    return (
        user.username == "scale0" and user.is_active and marker.get("big_owner") == user.pk
        and not erasures_pending(user).exists()
        and MediaItem.objects.filter(owner=user).count() == int(BIG * scale)
        and Face.objects.filter(media__owner=user).count() == marker.get("big_faces")
        and Person.objects.filter(owner=user).count() == PEOPLE
        and Suggestion.objects.filter(owner=user).count() == SUGGESTIONS
    )


def seed_big(scale):
    """Remove what is left of the big person (after an erasure, or half of one) and seed them again,
    with the same rows and ids, under a new account, and their preview objects. Returns the account."""
    from django.contrib.auth import get_user_model  # noqa: PLC0415 (after django.setup)
    from django.contrib.auth.hashers import make_password  # noqa: PLC0415
    from django.db import connection, transaction  # noqa: PLC0415

    from rollweb.storage import delete_files_batched, files_under, user_prefix  # noqa: PLC0415
    from suggestions.models import Suggestion  # noqa: PLC0415

    old = get_user_model().objects.filter(username="scale0").first()
    with transaction.atomic():
        if old is not None:
            Suggestion.objects.filter(owner=old).delete()
            owned = "SELECT id FROM suggestions_mediaitem WHERE owner_id = %s"
            with connection.cursor() as cursor:
                for sql in ("UPDATE suggestions_person SET cover_face_id = NULL WHERE owner_id = %s",
                            f"DELETE FROM suggestions_face WHERE media_id IN ({owned})",
                            f"DELETE FROM suggestions_processingrecord WHERE media_id IN ({owned})",
                            "DELETE FROM suggestions_person WHERE owner_id = %s",
                            "DELETE FROM suggestions_mediaitem WHERE owner_id = %s"):
                    cursor.execute(sql, [old.pk])
            old.delete()
        user = get_user_model().objects.create(username="scale0", password=make_password("bench password 123"))
        grant_everything(user)
        with connection.cursor() as cursor:
            seed_person(cursor.cursor, user, 0, int(BIG * scale), int(PREVIEWS * scale), random.Random(16))
    if old is not None:
        delete_files_batched(files_under(user_prefix(old.pk)))
    finish_seed()
    return user


def finish_seed():
    """Each person's cover face (one grouped pass), and the seeded people, items and faces."""
    from django.contrib.auth import get_user_model  # noqa: PLC0415 (after django.setup)
    from django.db import connection  # noqa: PLC0415

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE suggestions_person p SET cover_face_id = f.first FROM (SELECT person_id, min(id) AS first "
            "FROM suggestions_face GROUP BY person_id) f WHERE f.person_id = p.id AND p.cover_face_id IS NULL"
        )
        cursor.execute("SELECT (SELECT count(*) FROM suggestions_mediaitem), (SELECT count(*) FROM suggestions_face)")
        items, faces = cursor.fetchone()
    users = sorted(get_user_model().objects.filter(username__startswith="scale"), key=lambda user: int(user.username[5:]))
    return users, items, faces


def store_previews(owner_id, count):
    """Real preview objects (a few KB each) for the first `count` items of the big person."""
    from PIL import Image  # noqa: PLC0415

    blobs = []
    for n in range(8):
        out = io.BytesIO()
        Image.effect_noise((96, 96), 40 + n * 10).convert("RGB").save(out, "JPEG", quality=60)
        blobs.append(out.getvalue())
    client = s3_client()

    def put(pk):
        client.put_object(Bucket="bench", Key=f"users/{owner_id}/thumbs/{pk}.jpg", Body=blobs[pk % len(blobs)])

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, range(1, count + 1)))
    return sum(len(blob) for blob in blobs) / len(blobs)


# -- load ----------------------------------------------------------------------------------------


def load(port, requests_, seconds, connections, stop=None):
    """`connections` keep-alive clients sending `requests_` (method, path, headers, body) round-robin
    for `seconds` (or until `stop` is set). Latencies of answers with status 200, in ms."""
    latencies, errors = [], [0]
    deadline = time.monotonic() + seconds

    def client(offset):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        n = offset
        while time.monotonic() < deadline and not (stop and stop.is_set()):
            method, path, headers, body = requests_[n % len(requests_)]
            n += 1
            began = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                connection.close()
                connection, ok = http.client.HTTPConnection("127.0.0.1", port, timeout=60), False
            if ok:
                latencies.append((time.perf_counter() - began) * 1000)
            else:
                errors[0] += 1

    in_threads(client, connections)
    return {**quantiles(latencies), "requests": len(latencies), "errors": errors[0]}


def in_threads(client, connections):
    """Run `client(n)` in `connections` threads at once, n = 0, 1, …, and wait for them all."""
    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def quantiles(latencies):
    if len(latencies) < 2:
        return {"p50": float("nan"), "p95": float("nan")}
    return {"p50": statistics.median(latencies), "p95": statistics.quantiles(latencies, n=20)[18]}


def sync_check_alone(user, hashes, seconds, connections):
    """The sync check's own query (selectors.media_check's SQL) sent by `connections` threads, each
    with its own database connection, for `seconds`: the least the read costs here at that load."""
    from django.db import connections as databases  # noqa: PLC0415 (after django.setup)

    from suggestions.library.selectors import check_sql  # noqa: PLC0415

    sql, params = check_sql(user.pk, hashes)
    latencies, deadline = [], time.monotonic() + seconds

    def client(_):
        database = databases.create_connection("default")
        try:
            with database.cursor() as cursor:
                while time.monotonic() < deadline:
                    began = time.perf_counter()
                    cursor.execute(sql, params)
                    cursor.fetchall()
                    latencies.append((time.perf_counter() - began) * 1000)
        finally:
            database.close()

    in_threads(client, connections)
    return {**quantiles(latencies), "requests": len(latencies)}


def verdict(missed, lead=""):
    """Print each missed target and the outcome; the exit status."""
    for line in missed:
        print("  over target:", line)
    print(lead + ("targets met" if not missed else "targets NOT met"), flush=True)
    return 1 if missed else 0


def reads(token, item_id, hashes):
    """(label, target p95 ms, request) for each read the issue names, for one person."""
    auth = {"Authorization": f"Token {token}"}
    check = json.dumps({"sha256": hashes})
    return [
        ("feed", 100, ("GET", "/api/v1/suggestions/", auth, None)),
        ("timeline", 100, ("GET", "/api/v1/timeline/items/?page_size=120", auth, None)),
        ("scrubber counts", 100, ("GET", "/api/v1/timeline/", auth, None)),
        ("search (a place)", 100, ("GET", "/api/v1/media/?q=arezzo", auth, None)),
        ("sync check of 5,000 hashes", 200,
         ("POST", "/api/v1/media/check/", {**auth, "Content-Type": "application/json"}, check)),
        ("one item's page", 100, ("GET", f"/api/v1/media/{item_id}/", auth, None)),
    ]


def explain_reads(user, item_id, hashes):
    """Write EXPLAIN (ANALYZE, BUFFERS) of every query each read runs to bench/plans/."""
    from django.db import connection  # noqa: PLC0415 (after django.setup)
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from rollweb.tokens import token_issue  # noqa: PLC0415

    _, token = token_issue(user, "plans")
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
    PLANS.mkdir(exist_ok=True)
    slowest = {}
    for label, _, (method, path, _, body) in reads(token, item_id, hashes):
        with CaptureQueriesContext(connection) as captured:
            if method == "GET":
                answer = client.get(path)
            else:
                answer = client.post(path, data=body, content_type="application/json")
        assert answer.status_code == 200, (path, answer.status_code)
        name = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
        sections = []
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.startswith(("SELECT", "WITH")) or "suggestions_" not in sql:
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            took = float(re.search(r"Execution Time: ([0-9.]+)", plan).group(1))
            slowest[label] = max(slowest.get(label, 0.0), took)
            shown = sql if len(sql) < 2000 else sql[:2000] + " …"
            sections.append(f"-- {method} {path}\n-- {shown}\n{plan}\n")
        (PLANS / f"{name}.txt").write_text("\n".join(sections))
    return slowest


# -- erasures ------------------------------------------------------------------------------------


def start_worker(var_dir, log):
    from rollweb.queue import queue_name  # noqa: PLC0415 (after django.setup)

    celery = Path(sys.executable).with_name("celery")
    command = [str(celery), "-A", "rollweb", "worker", "-Q", queue_name("erase"), "-c", "1", "-n", "erase@bench",
               "--without-gossip", "--without-mingle", "-l", "info"]
    env = {**os.environ, "VAR_DIR": str(var_dir), "SECRET_KEY": "bench-only"}
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def timed_erasure(start, record_id, port, others, baseline_p95, worker_log, label):
    """Run `start()` (a revoke or an account deletion), then wait for the record's erasures while
    other people's reads run; print the time, the chunks and the reads' p95 against the baseline."""
    from consent.models import Erasure  # noqa: PLC0415 (after django.setup)

    stop = threading.Event()
    during = {}
    reader = threading.Thread(target=lambda: during.update(load(port, others, 3600, 16, stop)))
    reader.start()
    began = time.perf_counter()
    start()
    request_s = time.perf_counter() - began
    while Erasure.objects.filter(record_id=record_id).exclude(status=Erasure.Status.DONE).exists():
        time.sleep(0.5)
    took = time.perf_counter() - began
    stop.set()
    reader.join()
    lines = Path(worker_log).read_text().splitlines()
    found = [m for m in (re.search(r"chunk \d+: (\d+) ids in ([0-9.]+) s", line) for line in lines) if m]
    chunks, sizes = [float(m.group(2)) for m in found], [int(m.group(1)) for m in found]
    lasts = [float(m.group(1)) for m in (re.search(r"last transaction in ([0-9.]+) s", line) for line in lines) if m]
    with open(Path(worker_log).with_name("erasure-chunks.log"), "a") as kept:  # each chunk's line, for reading later
        kept.write(f"-- {label}\n" + "".join(line + "\n" for line in lines if " chunk " in line or "last transaction" in line))
    Path(worker_log).write_text("")
    counts = {}
    for erasure in Erasure.objects.filter(record_id=record_id):
        for key, value in erasure.counts.items():
            counts[key] = counts.get(key, 0) + value
    longest = max(chunks + lasts) if chunks + lasts else float("nan")
    print(f"{label}: {took:.1f} s in all (the request itself {request_s * 1000:.0f} ms); {len(chunks)} chunks, "
          f"chunk transaction p50 {statistics.median(chunks) * 1000:.0f} ms, max {max(chunks) * 1000:.0f} ms; "
          f"longest transaction {longest * 1000:.0f} ms; ids a chunk p50 {statistics.median(sizes):.0f}, "
          f"min {min(sizes)}, max {max(sizes)}", flush=True)
    print(f"  erased: {', '.join(f'{value:,} {key}' for key, value in sorted(counts.items()))}")
    print(f"  other people's reads meanwhile: p50 {during['p50']:.1f} ms, p95 {during['p95']:.1f} ms "
          f"(×{during['p95'] / baseline_p95:.2f} the p95 before), {during['requests']} requests, "
          f"errors {during['errors']}", flush=True)
    return took, longest, during["p95"] / baseline_p95, counts


def seed_place(scale):
    """(var dir, DATABASE_URL) of the seed at `scale`."""
    tail = "" if scale == 1 else "_" + f"{scale:g}".replace(".", "_")
    url = os.environ.get("DATABASE_URL", "")
    url = url if url.startswith("postgres") else f"postgres://postgres@127.0.0.1:5432/rollweb_benchscale{tail}"
    return SEEDS / f"scale{tail.replace('_', '-')}", url


def seed_marker(var_dir, url, scale):
    """What the seed in `var_dir` recorded when it was whole, or None (none, or of another database or scale)."""
    try:
        marker = json.loads((var_dir / SEEDED).read_text())
    except (OSError, ValueError):
        return None
    return marker if (marker.get("database"), marker.get("scale")) == (url, scale) else None


def seed_prepared(var_dir, url, scale, marker):
    """Seed everything (no marker) or the big person again (erased by an earlier run); ANALYZE.
    Returns the people, the item and face counts."""
    from django.db import connection  # noqa: PLC0415 (after django.setup)

    from suggestions.models import Face  # noqa: PLC0415

    previews = int(PREVIEWS * scale)
    began = time.perf_counter()
    if marker is None:
        users, items, faces = seed(scale)
        done = f"seeded with COPY in {time.perf_counter() - began:.0f} s"
        marker = {"database": url, "scale": scale}
    else:
        users, items, faces = finish_seed()
        if users and big_is_whole(users[0], scale, marker):
            done = "seeded by an earlier run"
            previews = 0
        else:
            seed_big(scale)
            users, items, faces = finish_seed()
            done = f"seeded by an earlier run, the big person seeded again in {time.perf_counter() - began:.0f} s"
    stored = ""
    if previews:
        began = time.perf_counter()
        size = store_previews(users[0].pk, previews)
        stored = f"; {previews:,} preview objects of {size / 1024:.1f} KB in S3 in {time.perf_counter() - began:.0f} s"
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if previews else "ANALYZE")
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        db_size = cursor.fetchone()[0]
    analysed = f"{'VACUUM (ANALYZE)' if previews else 'ANALYZE'} in {time.perf_counter() - began:.0f} s"
    if previews:
        marker.update(big_owner=users[0].pk, big_faces=Face.objects.filter(media__owner=users[0]).count())
        (var_dir / SEEDED).write_text(json.dumps(marker))
    print(f"{items:,} items ({int(BIG * scale):,} for one person, {OTHER_ITEMS:,} for each of "
          f"{len(users) - 1} others), {faces:,} faces, {PEOPLE * len(users):,} people, "
          f"{SUGGESTIONS * len(users):,} suggestions {done}{stored}; {analysed}; database {db_size}", flush=True)
    return users, items, faces


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1 for the million; 0.05 to develop")
    parser.add_argument("--port", type=int, default=8116)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--reseed", action="store_true", help="drop the seed (database and bucket) and make it again")
    parser.add_argument("--reads-only", action="store_true",
                        help="measure the reads and stop before the erasures (the seed stays whole)")
    parser.add_argument("--seed-only", action="store_true",
                        help="seed what is missing (all, or the person an earlier run erased), migrate, and exit")
    args = parser.parse_args()
    var_dir, url = seed_place(args.scale)
    marker = None if args.reseed else seed_marker(var_dir, url, args.scale)
    if marker is None:
        shutil.rmtree(var_dir, ignore_errors=True)
        fresh_postgres(url)
    var_dir.mkdir(parents=True, exist_ok=True)
    for scratch in ("cache", "prometheus", "broker", "broker-control"):  # each run starts as a fresh var dir did
        shutil.rmtree(var_dir / scratch, ignore_errors=True)
    os.environ.update(VAR_DIR=str(var_dir), DATABASE_URL=url, SECRET_KEY="bench-only",
                      DJANGO_SETTINGS_MODULE="rollweb.settings", STATIC_ROOT=str(var_dir / "static"),
                      CELERY_QUEUE=os.environ.get("CELERY_QUEUE", "scale-bench"),
                      WEB_WORKERS=os.environ.get("WEB_WORKERS", "2"))
    print(f"load average at the start {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores); seed in {url} and {var_dir}",
          flush=True)
    weed = start_s3(var_dir)
    server = worker = None
    try:
        import django  # noqa: PLC0415 (settings come from the environment set above)

        django.setup()
        from django.core.management import call_command  # noqa: PLC0415

        from consent.account import account_erase  # noqa: PLC0415
        from consent.erasing import ERASE_TASK  # noqa: PLC0415
        from consent.models import ConsentRecord  # noqa: PLC0415
        from consent.services import scopes_revoke  # noqa: PLC0415
        from rollweb.celery import app  # noqa: PLC0415
        from rollweb.queue import queue_name  # noqa: PLC0415
        from rollweb.tokens import token_issue  # noqa: PLC0415

        began = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrated in {time.perf_counter() - began:.0f} s", flush=True)
        users, items, faces = seed_prepared(var_dir, url, args.scale, marker)
        if args.seed_only:
            return 0
        previews = int(PREVIEWS * args.scale)

        big, other = users[0], users[len(users) // 2]
        big_item = int(BIG * args.scale) // 2
        hashes = [sha(pk) for pk in range(1, 2_501)] + [sha(10_000_000 + n) for n in range(2_500)]
        slowest = explain_reads(big, big_item, hashes)
        print(f"plans written to {PLANS.relative_to(REPO)}/ (slowest query of each read, server time): "
              + ", ".join(f"{label} {ms:.1f} ms" for label, ms in slowest.items()), flush=True)

        log = open(var_dir / "gunicorn.log", "w")
        server = serve(var_dir, args.port, log)
        _, big_token = token_issue(big, "bench")
        _, other_token = token_issue(other, "bench")
        other_first = big_item * 2 + (len(users) // 2 - 1) * OTHER_ITEMS + 1
        print(f"load: {args.connections} clients, {args.seconds} s per read, gunicorn with {os.environ['WEB_WORKERS']} "
              f"workers, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
        floor_request = ("GET", "/api/v1/auth/tokens/", {"Authorization": f"Token {big_token}"}, None)
        load(args.port, [floor_request], 1, args.connections)
        floor = load(args.port, [floor_request], args.seconds, args.connections)
        print(f"  {'floor: a signed-in API read of a few rows (the device list)':28} p50 {floor['p50']:7.1f} ms  "
              f"p95 {floor['p95']:7.1f} ms  (what 16 clients cost on this machine before any library query)", flush=True)
        missed = []
        for label, target, request in reads(big_token, big_item, hashes):
            load(args.port, [request], 1, args.connections)
            result = load(args.port, [request], args.seconds, args.connections)
            print(f"  {label:28} p50 {result['p50']:7.1f} ms  p95 {result['p95']:7.1f} ms  (target < {target})  "
                  f"×{result['p95'] / floor['p95']:.2f} the floor's p95  {result['requests']} requests, "
                  f"errors {result['errors']}", flush=True)
            if result["errors"] or not result["p95"] < target:
                missed.append(f"{label}: p95 {result['p95']:.1f} ms, target < {target} ms")

        floor_sql = sync_check_alone(big, hashes, args.seconds, args.connections)
        print(f"  {'floor of the sync check: its query alone':28} p50 {floor_sql['p50']:7.1f} ms  "
              f"p95 {floor_sql['p95']:7.1f} ms  (the same SQL from {args.connections} database connections, no "
              f"HTTP or Python around it)  {floor_sql['requests']} queries", flush=True)
        if args.reads_only:
            return verdict(missed, "reads only: no erasure run; ")

        others = [request for _, _, request in reads(other_token, other_first + 10, hashes[:100])]
        before = load(args.port, others, args.seconds, args.connections)
        print(f"other people's reads (the same six, one person of 1,000 items), before: p50 {before['p50']:.1f} ms, "
              f"p95 {before['p95']:.1f} ms", flush=True)

        app.conf.task_routes = {ERASE_TASK: {"queue": queue_name("erase")}}
        worker_log = var_dir / "worker.log"
        worker = start_worker(var_dir, open(worker_log, "w"))
        time.sleep(8)
        record_id = ConsentRecord.objects.get(user=big).pk
        took, longest, ratio, _ = timed_erasure(
            lambda: scopes_revoke(big, ["faces"], method="web"), record_id, args.port, others, before["p95"],
            worker_log, f"faces erasure of the {int(BIG * args.scale):,}-item person",
        )
        if took >= 120:
            missed.append(f"faces erasure {took:.0f} s, target < 120 s")
        took_account, longest_account, ratio_account, counts = timed_erasure(
            lambda: account_erase(big, method="web"), record_id, args.port, others, before["p95"], worker_log,
            f"account erasure of the {int(BIG * args.scale):,}-item person",
        )
        files = counts.get("files", 0)
        print(f"  storage: {previews:,} of the {int(BIG * args.scale):,} items have real preview objects; the "
              f"deletes of every item's file names (existing or not) are in the time above, batched "
              f"{1000} keys a request; {files:,} keys reported deleted")
        for name, value in (("faces", longest), ("account", longest_account)):
            if value > 1:
                missed.append(f"{name} erasure: a transaction held {value * 1000:.0f} ms, limit 1 s")
        for name, value in (("faces", ratio), ("account", ratio_account)):
            if value > 2:
                missed.append(f"other people's p95 during the {name} erasure ×{value:.2f}, limit ×2")
        print(f"load average at the end {os.getloadavg()[0]:.1f}; the {int(BIG * args.scale):,}-item person is "
              "erased: `--seed-only` seeds them again for the next run (a few minutes, outside the quiet time)",
              flush=True)
        return verdict(missed)
    finally:
        for process in (server, worker):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        weed.stop()


if __name__ == "__main__":
    sys.exit(main())
