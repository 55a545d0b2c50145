"""The server CPU of the reads issue 16 names, request by request in one process (no load, no server).

    createdb -h 127.0.0.1 -U postgres rollweb_benchreads   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rollweb_benchreads .venv/bin/python bench/reads_cpu.py \
        [--requests 300] [--queries] [--profile LABEL]   (SORT=tottime LINES=80 for the profile's order and length)

Seeds the database DATABASE_URL names once (bench/scale.py's COPY seed at --scale 0.1: one person
with 20,000 items, 80 with 1,000 each), then sends each read through Django's test client as the
big person, and prints per request the CPU of this process (time.process_time), the CPU of its
PostgreSQL backend and the number of queries. The connection is kept between requests, as
CONN_MAX_AGE keeps it in gunicorn. At 16 clients on 2 cores a read's p95 grows with its CPU, so
these figures say where its time goes without a load run's noise; compare runs made close in
time (another load on the machine moves them all). `--profile LABEL` prints that read's
cProfile (CPU time) instead.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SCALE = 0.1


def setup(var_dir):
    os.environ.update(VAR_DIR=str(var_dir), SECRET_KEY="bench-only", DJANGO_SETTINGS_MODULE="rollweb.settings",
                      ALLOWED_HOSTS="testserver", STATIC_ROOT=str(var_dir / "static"))
    var_dir.mkdir(parents=True, exist_ok=True)
    import django  # noqa: PLC0415 (settings come from the environment set just above)

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415 (after django.setup)

    call_command("migrate", verbosity=0)
    if not (var_dir / "static" / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)  # pages name their hashed static files


def big_person():
    """The seed's person with the most items (seeded here when there is none), and one of their items."""
    from django.contrib.auth import get_user_model  # noqa: PLC0415 (after django.setup)
    from django.db import connection  # noqa: PLC0415

    from bench import scale  # noqa: PLC0415 (imports Django models)
    from suggestions.models import MediaItem  # noqa: PLC0415

    user = get_user_model().objects.filter(username="scale0").first()
    if user is None:
        users, items, _ = scale.seed(SCALE)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"seeded {items:,} items for {len(users)} people", flush=True)
        user = users[0]
    return user, MediaItem.objects.filter(owner=user).order_by("id").values_list("id", flat=True)[int(scale.BIG * SCALE) // 2]


def clients(user):
    from django.test import Client  # noqa: PLC0415 (after django.setup)

    from rollweb.tokens import token_issue  # noqa: PLC0415

    _, token = token_issue(user, "bench")
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    page = Client()
    page.force_login(user)
    return api, page


def reads(item_id):
    """(label, path, by the page client) of each read."""
    return [
        ("floor: the device list", "/api/v1/auth/tokens/", False),
        ("feed", "/api/v1/suggestions/", False),
        ("timeline", "/api/v1/timeline/items/?page_size=120", False),
        ("scrubber counts", "/api/v1/timeline/", False),
        ("search (a place)", "/api/v1/media/?q=arezzo", False),
        ("one item", f"/api/v1/media/{item_id}/", False),
        ("library page (HTML)", "/library/", True),
        ("feed page (HTML)", "/suggestions/", True),
    ]


def measure(client, path, count):
    """(CPU ms per request here, the database server's CPU ms per request, queries per request)
    over `count` requests, after a few to warm up (the connection is kept, as CONN_MAX_AGE does)."""
    from django.db import connection  # noqa: PLC0415 (after django.setup)

    for _ in range(5):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        client.get(path)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = psutil.Process(cursor.fetchone()[0])
    database = sum(backend.cpu_times()[:2])
    began = time.process_time()
    for _ in range(count):
        client.get(path)
    here = (time.process_time() - began) / count * 1000
    return here, (sum(backend.cpu_times()[:2]) - database) / count * 1000, queries


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", help="a read's label: print its profile instead")
    parser.add_argument("--queries", action="store_true", help="print each read's SQL too")
    parser.add_argument("--var-dir", default=str(REPO / "var" / "bench-reads"))
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database of this benchmark's own")
    setup(Path(args.var_dir))
    user, item_id = big_person()
    api, page = clients(user)
    for label, path, by_page in reads(item_id):
        client = page if by_page else api
        if args.profile:
            if label != args.profile:
                continue
            measure(client, path, 1)
            profile = cProfile.Profile(time.process_time)
            profile.runcall(lambda: [client.get(path) for _ in range(args.requests)])
            pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(int(os.environ.get("LINES", "60")))
            return 0
        here, database, queries = measure(client, path, args.requests)
        print(f"{label:28} CPU per request: {here:6.2f} ms here, {database:5.2f} ms PostgreSQL  {len(queries):3d} queries",
              flush=True)
        if args.queries:
            print("".join(f"    {sql[:300]}\n" for sql in queries), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
