"""The library of a long camera roll: timeline pages, the scrubber's counts and search, at 16 clients.

    nice -n 15 .venv/bin/python bench/library.py --seed-only [--engine postgres]   # once, any time
    .venv/bin/python bench/library.py [--engine postgres] [--port 8106] [--seconds 8] [--connections 16]

Seeds one person with 20,000 analysed items over ten years and 50 others with 2,000 each (120,000
rows) once, and later runs reuse the seed after `migrate` (so new migrations apply to it): on the
default engine a SQLite file in a var dir under the seeds folder (ROLLWEB_BENCH_SEEDS, by default
bench-seeds/ beside the repository), on PostgreSQL the database DATABASE_URL names (by default
rollweb_benchlib) with its var dir (the preview files) beside the SQLite one. `--reseed` drops the
seed and makes it again; `--seed-only` seeds (if needed), migrates and exits. Then it starts gunicorn
and loads each endpoint from this process with Python threads. Prints p50/p95/p99, requests per
second, the server's CPU per request and a baseline endpoint measured in the same run; then the
floors (the bare queries and the rendering of a page in this process) and, in Chromium, the first
screen of thumbnails decoded after navigation (Largest Contentful Paint and every visible img
decoded) and scrubber jumps. Targets (issue 14): timeline page p95 < 50 ms, scrubber counts p95 <
30 ms, search p95 < 100 ms per query class, map counts < 100 ms, first screen < 1 s, scrubber jump < 300 ms.
"""

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.api import load_python, serve, server_cpu  # noqa: E402

OWNER_ITEMS, OTHERS, OTHER_ITEMS, YEARS = 20_000, 50, 2_000, 10
SEEDS = Path(os.environ.get("ROLLWEB_BENCH_SEEDS", REPO.parent / "bench-seeds"))
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/rollweb_benchlib"
SEEDED = "seeded.json"  # written in the var dir once a seed is whole


def fresh_postgres(url):
    """Drop and create the database DATABASE_URL names (a benchmark's own)."""
    import psycopg  # noqa: PLC0415 (only the PostgreSQL run needs it)

    base, name = url.rsplit("/", 1)
    if "bench" not in name:
        raise SystemExit(f"not dropping {name!r}: a benchmark's database has 'bench' in its name (unset DATABASE_URL "
                         "for the default one)")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def seed_place(engine, seeds=SEEDS):
    """(var dir, DATABASE_URL or None for the SQLite file in the var dir) of an engine's seed."""
    if engine == "sqlite":
        return seeds / "library-sqlite", None
    url = os.environ.get("DATABASE_URL", "")
    return seeds / "library-postgres", url if url.startswith("postgres") else POSTGRES_URL


def is_seeded(var_dir, url):
    try:
        marker = json.loads((var_dir / SEEDED).read_text())
    except (OSError, ValueError):
        return False
    return marker.get("database") == (url or "sqlite") and marker.get("items") == OWNER_ITEMS + OTHERS * OTHER_ITEMS


def prepare(var_dir, url):
    """Django on the seed's var dir and database, migrated, its static files collected."""
    if url:
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.update(VAR_DIR=str(var_dir), SECRET_KEY="bench-only", DJANGO_SETTINGS_MODULE="rollweb.settings",
                      STATIC_ROOT=str(var_dir / "static"))
    import django  # noqa: PLC0415 (settings come from the environment set just above)

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415 (after django.setup)

    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    collected = var_dir / "static-sources.sha256"
    sources = static_sources_digest()
    if not collected.exists() or collected.read_text() != sources:
        call_command("collectstatic", interactive=False, verbosity=0)  # pages name their hashed static files
        collected.write_text(sources)
        print(f"migrated and collected static files in {time.perf_counter() - began:.0f} s", flush=True)
    else:
        print(f"migrated in {time.perf_counter() - began:.0f} s (static files as collected before)", flush=True)


def static_sources_digest():
    """A digest of every static file's name and content: collectstatic (a minute) runs only when it changes."""
    import hashlib  # noqa: PLC0415

    from django.contrib.staticfiles import finders  # noqa: PLC0415 (after django.setup)

    digest = hashlib.sha256()
    found = sorted((path, storage.path(path)) for finder in finders.get_finders() for path, storage in finder.list([]))
    for path, full in found:
        digest.update(path.encode() + b"\0" + Path(full).read_bytes())
    return digest.hexdigest()


def seed(var_dir, url):
    """The people and their libraries (the one with 20,000 items is bench0), then the seed's marker."""
    from django.contrib.auth import get_user_model  # noqa: PLC0415 (after django.setup)

    from consent import scopes  # noqa: PLC0415
    from consent.models import Method  # noqa: PLC0415
    from consent.services import scopes_grant  # noqa: PLC0415
    from suggestions.models import Face, MediaItem, Person  # noqa: PLC0415
    from tests.library_seed import library_seed, previews_store  # noqa: PLC0415

    User = get_user_model()  # noqa: N806
    everything = [scopes.LIBRARY, scopes.TIME, scopes.LOCATION, scopes.FACES]
    people = [User.objects.create_user(f"bench{n}", password="bench password 123") for n in range(OTHERS + 1)]
    for n, person in enumerate(people):
        scopes_grant(person, everything, notice_version=scopes.notice_version(), method=Method.WEB,
                     biometric_confirmed=True)
        previews = previews_store(person.pk) if n == 0 else [("a.jpg", "b.jpg")]  # real files for Chromium
        library_seed(person, OWNER_ITEMS if n == 0 else OTHER_ITEMS, years=YEARS, previews=previews)
    owner = people[0]
    anna = Person.objects.create(owner=owner, name="Anna")
    items = MediaItem.objects.filter(owner=owner, kind="photo").values_list("pk", flat=True)[::40]
    Face.objects.bulk_create([Face(media_id=pk, person=anna, x=0, y=0, w=10, h=10, encoding=bytes(512)) for pk in items])
    marker = {"database": url or "sqlite", "items": MediaItem.objects.count()}
    (var_dir / SEEDED).write_text(json.dumps(marker))


def sign_in():
    """A token and a session cookie of the person with 20,000 items."""
    from django.conf import settings  # noqa: PLC0415 (after django.setup)
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.contrib.sessions.backends.db import SessionStore  # noqa: PLC0415

    from rollweb.tokens import token_issue  # noqa: PLC0415

    owner = get_user_model().objects.filter(username="bench0").first()
    if owner is None:
        raise SystemExit("the seed has no bench0 (its database was dropped?): run again with --reseed")
    _, token = token_issue(owner, "bench")
    session = SessionStore()
    session.update({"_auth_user_id": str(owner.pk), "_auth_user_backend": settings.AUTHENTICATION_BACKENDS[-1],
                    "_auth_user_hash": owner.get_session_auth_hash()})
    session.create()
    return token, f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def analyze():
    from django.db import connection  # noqa: PLC0415 (after django.setup)

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


ENDPOINTS = [
    # (label, path, target p95 in ms or None, signed in by cookie)
    ("baseline (token list)", "/api/v1/auth/tokens/", None, False),
    ("timeline page (HTML)", "/library/", 50, True),
    ("timeline page, a month 6 years back (HTML)", "/library/?month=2019-09", 50, True),
    ("timeline items API", "/api/v1/timeline/items/?page_size=120", 50, False),
    ("timeline items API, one month", "/api/v1/timeline/items/?month=2019-09&page_size=120", 50, False),
    ("scrubber counts API", "/api/v1/timeline/", 30, False),
    ("search: place", "/api/v1/media/?q=m%C3%A1laga", 100, False),
    ("search: country", "/api/v1/media/?q=espa%C3%B1a", 100, False),
    ("search: person", "/api/v1/media/?q=anna", 100, False),
    ("search: month", "/api/v1/media/?q=june+2019", 100, False),
    ("search: period across a year end", "/api/v1/media/?q=winter+2021", 100, False),
    ("search: yearly days", "/api/v1/media/?q=christmas", 100, False),
    ("search: weekend", "/api/v1/media/?q=weekend", 100, False),
    ("search: kind", "/api/v1/media/?q=videos", 100, False),
    ("search: combined", "/api/v1/media/?q=anna+in+arezzo+2020", 100, False),
    ("search: unknown word", "/api/v1/media/?q=blorp", 100, False),
    ("map counts API (world)", "/api/v1/map/", 100, False),
    ("map counts API (one country)", "/api/v1/map/?country=IT", 100, False),
    ("map page (HTML)", "/library/map/", None, True),
]


def run(port, token, cookie, seconds, connections, server):
    missed, results = [], {}
    for label, path, target, by_cookie in ENDPOINTS:
        headers = {"Cookie": cookie} if by_cookie else None
        load_python(port, path, token, 1, connections, headers=headers)  # warm-up
        cpu = server_cpu(server)
        results[label] = result = load_python(port, path, token, seconds, connections, headers=headers)
        cpu_ms = (server_cpu(server) - cpu) / max(result["requests"], 1) * 1000
        ratio = result["p95"] / results[ENDPOINTS[0][0]]["p95"]
        print(f"{label:44} p50 {result['p50']:6.1f}  p95 {result['p95']:6.1f}  p99 {result['p99']:6.1f} ms  "
              f"{result['rps']:5.0f} req/s  errors {result['errors']}  p95 ×{ratio:.2f} baseline  "
              f"server CPU {cpu_ms:.1f} ms/request", flush=True)
        if result["errors"] or (target is not None and result["p95"] >= target):
            missed.append(f"{label}: p95 {result['p95']:.1f} ms (target < {target} ms), errors {result['errors']}")
    return missed


def _quantiles(times):
    times = sorted(times)
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.95))]


def floors(rounds=40):
    """Where a timeline page's time goes, in this process (one client, no HTTP): the bare page query,
    the grouping into days, the rendering of its 120 tiles, and the same from the cache."""
    from django.core.cache import cache  # noqa: PLC0415 (after django.setup)
    from django.template.loader import render_to_string  # noqa: PLC0415
    from django.test import RequestFactory  # noqa: PLC0415

    from consent.services import active_grants  # noqa: PLC0415
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from suggestions.library import changes, selectors, timeline, timeline_views  # noqa: PLC0415
    from suggestions.models import MediaItem  # noqa: PLC0415

    owner = get_user_model().objects.get(username="bench0")
    grants = active_grants(owner.pk)
    request = RequestFactory().get("/library/")
    request.user = owner
    steps = {
        "bare page query (121 rows)": lambda: list(timeline.timeline_items(
            owner, grants, MediaItem.objects.only(*timeline.TILE_COLUMNS))[:121]),
        "page context (query + days)": lambda: timeline_views.timeline_context(request, grants, None),
        "page context + rendering 120 tiles": lambda: render_to_string(
            "suggestions/library/_timeline.html", timeline_views.timeline_context(request, grants, None)),
        "library version (cache key)": lambda: changes.library_version(owner.pk),
        "rendered page from the cache": lambda: timeline_views.timeline_page(request, grants, None),
        "bare month count query": lambda: timeline._months_counted(MediaItem.objects.filter(owner=owner), grants),
        "bare map count query": lambda: selectors._places_counted(MediaItem.objects.filter(owner=owner).exclude(place="")),
    }
    print("floors in this process (one client, no HTTP):")
    for label, step in steps.items():
        step()
        times = []
        for _ in range(rounds):
            began = time.perf_counter()
            step()
            times.append((time.perf_counter() - began) * 1000)
        p50, p95 = _quantiles(times)
        print(f"  {label:44} p50 {p50:6.1f}  p95 {p95:6.1f} ms", flush=True)
    cache.clear()


VISIBLE_DECODED = (
    "() => { const seen = [...document.querySelectorAll('.tl-grid img')].filter(img => {"
    " const box = img.getBoundingClientRect(); return box.top < innerHeight && box.bottom > 0; });"
    " return seen.length > 0 && seen.every(img => img.complete && img.naturalWidth > 0) && performance.now(); }"
)
LCP = ("() => new Promise(done => new PerformanceObserver((list, observer) => {"
       " const entries = list.getEntries(); done(entries[entries.length - 1].startTime); })"
       ".observe({type: 'largest-contentful-paint', buffered: true}))")


def browser_timings(port, cookie, rounds=5):
    """Chromium at 1280 × 860: the library opened (LCP, and every visible thumbnail decoded) and the
    scrubber's jumps to months years back, each to its first screen decoded."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 (only this part needs it)

    from tests.test_browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: PLC0415

    name, value = cookie.split("=", 1)
    base = f"http://127.0.0.1:{port}"
    missed, opened, lcps, jumps = [], [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            for n in range(rounds):
                context = browser.new_context(viewport={"width": 1280, "height": 860})
                context.add_cookies([{"name": name, "value": value, "url": base}])
                page = context.new_page()
                page.goto(base + "/library/", wait_until="commit")
                opened.append(page.wait_for_function(VISIBLE_DECODED, polling="raf").json_value())
                lcps.append(page.evaluate(LCP))
                # A jump starts when the click reaches the page, not when Playwright starts to find the link.
                page.evaluate("() => document.addEventListener('click', event => {"
                              " window.jumpStart = event.timeStamp; }, true)")
                for month in (f"{2024 - n}-0{3 + n}", f"{2018 + n}-1{n % 3}"):
                    page.locator(f".scrub-months a[href$='month={month}']").click()
                    page.wait_for_function(  # (a month's first day can show as the next in the camera's time)
                        "m => document.querySelector(`.tl-month[data-month='${m}']`)"
                        " && !document.getElementById('timeline').hasAttribute('aria-busy')", arg=month, polling="raf")
                    done = page.wait_for_function(VISIBLE_DECODED, polling="raf").json_value()
                    jumps.append(done - page.evaluate("window.jumpStart"))
                context.close()
        finally:
            browser.close()
    for label, times, target in (("first screen decoded after navigation", opened, 1000),
                                 ("largest contentful paint", lcps, 1000),
                                 ("scrubber jump to a month, first screen decoded", jumps, 300)):
        p50, worst = _quantiles(times)[0], max(times)
        print(f"Chromium: {label:48} median {p50:6.0f}  worst {worst:6.0f} ms  ({len(times)} runs)", flush=True)
        if worst >= target:
            missed.append(f"Chromium {label}: worst {worst:.0f} ms (target < {target} ms)")
    return missed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("sqlite", "postgres"),
                        default="postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite")
    parser.add_argument("--reseed", action="store_true", help="drop the seed and make it again")
    parser.add_argument("--seed-only", action="store_true", help="seed (if needed), migrate, and exit")
    parser.add_argument("--port", type=int, default=8106)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    var_dir, url = seed_place(args.engine)
    fresh = args.reseed or not is_seeded(var_dir, url)
    if fresh:
        shutil.rmtree(var_dir, ignore_errors=True)
        if url:
            fresh_postgres(url)
    var_dir.mkdir(parents=True, exist_ok=True)
    for scratch in ("cache", "prometheus", "broker", "broker-control"):  # each run starts as a fresh var dir did
        shutil.rmtree(var_dir / scratch, ignore_errors=True)
    began = time.perf_counter()
    prepare(var_dir, url)
    if fresh:
        seed(var_dir, url)
    if url:
        analyze()
    print(f"{'seeded' if fresh else 'reused the seed of'} {OWNER_ITEMS:,} items for one person and {OTHER_ITEMS:,} "
          f"for each of {OTHERS} others on {args.engine} ({url or var_dir / 'db.sqlite3'}) in "
          f"{time.perf_counter() - began:.0f} s", flush=True)
    if args.seed_only:
        return 0
    token, cookie = sign_in()
    print(f"load: Python threads, {args.connections} connections, {args.seconds} s per endpoint, gunicorn with "
          f"{os.environ.get('WEB_WORKERS', '2')} workers, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} before the run")
    log = open(var_dir / "gunicorn.log", "w")
    server = serve(var_dir, args.port, log)
    try:
        missed = run(args.port, token, cookie, args.seconds, args.connections, server)
        floors()
        missed += browser_timings(args.port, cookie)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    print(f"load average {os.getloadavg()[0]:.1f} after the run")
    for line in missed:
        print("  over target:", line)
    print("targets met" if not missed else "targets NOT met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
