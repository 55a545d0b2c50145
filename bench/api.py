"""API speed on the default engine (SQLite, local storage), the way `make run` serves it.

    .venv/bin/python bench/api.py [--port 8105] [--seconds 10] [--connections 16]

Seeds 10,000 items (with faces, people and 1,000 suggestions) for one person in a fresh VAR_DIR,
starts gunicorn as the Procfile does, and loads it from a second process: `wrk` when it is
installed (Debian's package), else a Python load generator. Prints p50/p95/p99 per endpoint, the
ratio to a baseline endpoint measured in the same run, and the /media/check/ call with 5,000
hashes. Targets (issue 5): list p95 < 50 ms at 16 clients, check < 200 ms, zero errors.
"""

import argparse
import hashlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
ITEMS = 10_000
SUGGESTIONS = 1_000
PEOPLE = 20

WRK_SCRIPT = """
wrk.headers["Authorization"] = "Token %(token)s"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "p50": %%.2f, "p95": %%.2f, "p99": %%.2f, "max": %%.2f, "errors": %%d}\\n',
    summary.requests, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def seed(var_dir):
    """Create the person, their library and feed; returns (token, hashes for the check call)."""
    os.environ.update(VAR_DIR=str(var_dir), SECRET_KEY="bench-only", DJANGO_SETTINGS_MODULE="rollweb.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from consent import scopes
    from consent.models import Method
    from consent.services import scopes_grant
    from django.contrib.auth.models import User
    from rollweb.tokens import token_issue
    from suggestions.models import Face, MediaItem, Person, Suggestion, SuggestionItem, Tombstone

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", password="bench password 123")
    scopes_grant(user, ["library", "time", "location", "faces"], notice_version=scopes.notice_version(),
                 method=Method.API, biometric_confirmed=True)
    start = timezone.now() - timedelta(days=ITEMS)
    hashes = [hashlib.sha256(f"item {n}".encode()).hexdigest() for n in range(ITEMS)]
    items = MediaItem.objects.bulk_create(
        [
            MediaItem(
                owner=user, kind="photo", status="analyzed", original=f"users/{user.pk}/originals/{n}.jpg",
                sha256=hashes[n], original_name=f"IMG_{n:05d}.JPG", mime="image/jpeg", bytes=2_000_000 + n,
                width=4000, height=3000, thumb_small=f"users/{user.pk}/thumbs/{n}s.jpg",
                thumb_large=f"users/{user.pk}/thumbs/{n}l.jpg", captured_at=start + timedelta(days=n),
                captured_offset=120, camera="Bench Camera", latitude=43.46, longitude=11.88, place="Arezzo",
                country_code="IT", created_at=start + timedelta(days=n),
            )
            for n in range(ITEMS)
        ],
        batch_size=1000,
    )
    people = Person.objects.bulk_create([Person(owner=user, name=f"Person {n}") for n in range(PEOPLE)])
    Face.objects.bulk_create(
        [
            Face(media=item, person=people[n % PEOPLE], x=100, y=120, w=300, h=300, encoding=b"\0" * 512)
            for n, item in enumerate(items)
            if n % 3 == 0
        ],
        batch_size=1000,
    )
    suggestions = Suggestion.objects.bulk_create(
        [
            Suggestion(
                owner=user, kind="collage", title=f"Weekend {n}", reason="Photos from one weekend.",
                fingerprint=f"bench-{n}", scopes_used=Suggestion.scopes_value(["library", "time"]),
                created_at=start + timedelta(days=n),
            )
            for n in range(SUGGESTIONS)
        ]
    )
    SuggestionItem.objects.bulk_create(
        [
            SuggestionItem(suggestion=suggestion, media=items[(n * 6 + k) % ITEMS], position=k)
            for n, suggestion in enumerate(suggestions)
            for k in range(6)
        ],
        batch_size=2000,
    )
    deleted = [hashlib.sha256(f"deleted {n}".encode()).hexdigest() for n in range(500)]
    Tombstone.objects.bulk_create([Tombstone(owner=user, sha256=value) for value in deleted])
    _, key = token_issue(user, "bench")
    new = [hashlib.sha256(f"new {n}".encode()).hexdigest() for n in range(2000)]
    return key, hashes[:2500] + deleted + new, (start + timedelta(days=ITEMS // 2)).date()


def serve(var_dir, port, log):
    env = {**os.environ, "VAR_DIR": str(var_dir), "SECRET_KEY": "bench-only", "HOST": "127.0.0.1", "PORT": str(port)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "rollweb.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
               os.environ.get("WEB_WORKERS", "2"), "--timeout", "300", "--access-logfile", "-"]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log, start_new_session=True)
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/schema/")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start; see its log")


def load_wrk(port, path, token, seconds, connections):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"token": token})
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script.name, f"http://127.0.0.1:{port}{path}"],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    result = json.loads(out.strip().splitlines()[-1])
    result["rps"] = result["requests"] / seconds
    return result


def load_python(port, path, token, seconds, connections, headers=None):
    """Fallback when wrk is missing: threads in this (second) process, keep-alive connections.
    `headers` (instead of the token's) sign a page request in with a session cookie."""
    headers = headers or {"Authorization": f"Token {token}"}
    latencies, errors, stop = [], [0], time.monotonic() + seconds

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                connection.close()
                connection, ok = http.client.HTTPConnection("127.0.0.1", port, timeout=30), False
            latencies.append((time.perf_counter() - began) * 1000)
            errors[0] += not ok

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cuts = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(latencies),
            "errors": errors[0], "rps": len(latencies) / seconds}


def server_cpu(server):
    """CPU seconds the gunicorn workers have used: per request, a figure other load hardly moves."""
    total = 0.0
    for worker in psutil.Process(server.pid).children():
        times = worker.cpu_times()
        total += times.user + times.system
    return total


def check_timing(port, token, hashes, rounds=30):
    body = json.dumps({"sha256": hashes})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times, errors, answer = [], 0, None
    for _ in range(rounds):
        began = time.perf_counter()
        connection.request("POST", "/api/v1/media/check/", body=body,
                           headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})
        response = connection.getresponse()
        answer = response.read()
        times.append((time.perf_counter() - began) * 1000)
        errors += response.status != 200
    counts = {key: len(value) for key, value in json.loads(answer).items()}
    return {"p50": statistics.median(times), "p95": statistics.quantiles(times, n=20)[18], "max": max(times),
            "errors": errors, "counts": counts}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="rollweb-bench-api-"))
    began = time.perf_counter()
    token, hashes, month = seed(var_dir)
    month_end = month + timedelta(days=30)
    seconds = time.perf_counter() - began
    print(f"seeded {ITEMS:,} items, {SUGGESTIONS:,} suggestions, {PEOPLE} people in {seconds:.1f} s")
    load = load_wrk if shutil.which("wrk") else load_python
    print(f"load: {'wrk' if load is load_wrk else 'Python threads'}, {args.connections} connections, "
          f"{args.seconds} s per endpoint, gunicorn with {os.environ.get('WEB_WORKERS', '2')} workers, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run")
    log = open(var_dir / "gunicorn.log", "w")
    server = serve(var_dir, args.port, log)
    failed = False
    try:
        endpoints = [
            ("baseline", "/api/v1/auth/tokens/"),
            ("media list", "/api/v1/media/"),
            ("media list, one month", f"/api/v1/media/?kind=photo&captured_from={month}&captured_to={month_end}"),
            ("suggestions", "/api/v1/suggestions/"),
            ("people", "/api/v1/people/"),
        ]
        results = {}
        for label, path in endpoints:
            load(args.port, path, token, 1, args.connections)  # warm-up
            cpu = server_cpu(server)
            results[label] = result = load(args.port, path, token, args.seconds, args.connections)
            cpu_ms = (server_cpu(server) - cpu) / max(result["requests"], 1) * 1000
            ratio = result["p95"] / results["baseline"]["p95"]
            print(f"{label:22} p50 {result['p50']:6.1f} ms  p95 {result['p95']:6.1f} ms  "
                  f"p99 {result['p99']:6.1f} ms  {result['rps']:5.0f} req/s  errors {result['errors']}  "
                  f"p95 ×{ratio:.2f} baseline  server CPU {cpu_ms:.1f} ms/request   GET {path}")
        check = check_timing(args.port, token, hashes)
        print(f"POST /api/v1/media/check/ with {len(hashes):,} hashes: p50 {check['p50']:.1f} ms  "
              f"p95 {check['p95']:.1f} ms  max {check['max']:.1f} ms  errors {check['errors']}  "
              f"answer {check['counts']}")
        for label in ("media list", "suggestions"):
            if results[label]["p95"] >= 50:
                print(f"  over target: {label} p95 {results[label]['p95']:.1f} ms (target < 50 ms)")
                failed = True
        if check["p95"] >= 200:
            print(f"  over target: check p95 {check['p95']:.1f} ms (target < 200 ms)")
            failed = True
        if any(result["errors"] for result in results.values()) or check["errors"]:
            print("  errors: some requests failed")
            failed = True
        print("targets met" if not failed else "targets NOT met")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        shutil.rmtree(var_dir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
