"""`make run`'s process set survives its worker: kill -9 mid-batch, the site stays up, a worker comes
back by itself, every upload ends analysed. On the default engine (SQLite, the filesystem broker,
local storage, all in a VAR_DIR of the test's own), started the way `make run` starts it."""

import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
import requests
from PIL import Image

from . import services
from .integration import LOGS

BATCH = 20
KILL_AFTER = 8
# The default engine: none of the integration tier's services.
PRODUCTION_ONLY = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_QUEUE", "STORAGE_BACKEND", "CACHE_URL")


def default_engine(var_dir, port, static_root):
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION_ONLY and not key.startswith("AWS_")}
    env.update(
        VAR_DIR=str(var_dir), HOST="127.0.0.1", PORT=str(port), STATIC_ROOT=str(static_root),
        SECRET_KEY="make-run-test-only", CELERY_TASK_ALWAYS_EAGER="false", WORKER_CONCURRENCY="2", WEB_WORKERS="2",
        # short leases and sweeps, so that recovery happens within seconds (ordinary settings)
        PROCESSING_LEASE_SECONDS="10", REQUEUE_AFTER_SECONDS="4", SWEEP_INTERVAL_SECONDS="2",
        WORKER_HEARTBEAT_SECONDS="1", WORKER_SILENT_SECONDS="5",
    )
    return env


def photo(n):
    """A 1600 × 1200 JPEG of its own (noise, so that decoding and previews take real work)."""
    rng = random.Random(n)
    image = Image.frombytes("RGB", (400, 300), bytes(rng.getrandbits(8) for _ in range(400 * 300 * 3)))
    out = io.BytesIO()
    image.resize((1600, 1200)).save(out, "JPEG", quality=90)
    return out.getvalue()


class HealthWatch(threading.Thread):
    """GET /healthz every 0.2 s until stopped; keeps every answer that was not a 200."""

    def __init__(self, base):
        super().__init__(daemon=True)
        self.base, self.failures, self.answers, self.stopped = base, [], 0, threading.Event()

    def run(self):
        while not self.stopped.wait(0.2):
            try:
                status = requests.get(f"{self.base}/healthz", timeout=5).status_code
            except requests.RequestException as exc:
                status = exc.__class__.__name__
            self.answers += 1
            if status != 200:
                self.failures.append(status)


def worker_pid(conf):
    answer = subprocess.run([str(Path(sys.executable).with_name("supervisorctl")), "-c", str(conf), "pid", "rollweb:worker"],
                            capture_output=True, text=True)
    return int(answer.stdout.strip()) if answer.stdout.strip().isdigit() and answer.stdout.strip() != "0" else None


def sign_up(base):
    api = requests.Session()
    registered = api.post(f"{base}/api/v1/auth/register/", json={"username": "kit", "password": "a long pass phrase 19",
                                                                  "device_name": "test"}, timeout=30)
    assert registered.status_code == 201, registered.text
    api.headers["Authorization"] = f"Token {registered.json()['token']['token']}"
    state = api.get(f"{base}/api/v1/consent/", timeout=30)
    assert state.status_code == 200, state.text
    notice = state.json()["notice_version"]
    granted = api.post(f"{base}/api/v1/consent/grant/", json={"scopes": ["library", "themes"], "notice_version": notice},
                       timeout=30)
    assert granted.status_code in (200, 201), granted.text
    return api


def statuses(api, base):
    found, url = {}, f"{base}/api/v1/media/"
    while url:
        page = api.get(url, timeout=30).json()
        found.update({item["id"]: item["status"] for item in page["results"]})
        url = page["next"]
    return found


@pytest.mark.integration
def test_make_run_survives_a_killed_worker(static_root, tmp_path):
    port = services.free_port()
    base = f"http://127.0.0.1:{port}"
    env = default_engine(tmp_path / "var", port, static_root)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=services.REPO, env=env, check=True)
    broker = tmp_path / "var" / "broker"
    (broker / "00000000000000000001_planted.celery.msg").write_bytes(b"")  # created, never written
    (broker / "00000000000000000002_planted.celery.msg").write_bytes(b'{"body": "W1sxXSwge30sIHsiY2Fs')  # cut short
    started = time.monotonic()
    processes = services.Service("make-run", [sys.executable, "-m", "rollweb.supervise", "Procfile"], LOGS, env=env,
                                 grace=60, stop_signal=signal.SIGINT).start()
    watch = HealthWatch(base)
    try:
        services.wait_until(lambda: _body(base).get("worker") == "ok" or not processes.alive(), 120, "make run's set",
                            interval=0.5)
        assert processes.alive(), processes.log_tail()
        watch.start()
        api = sign_up(base)
        pictures = [photo(n) for n in range(BATCH)]
        ids = [_upload(api, base, n, data) for n, data in enumerate(pictures[:KILL_AFTER])]

        conf = tmp_path / "var" / "supervisord.conf"
        killed = worker_pid(conf)
        assert killed, processes.log_tail()
        os.kill(killed, signal.SIGKILL)  # the worker's main process, as the out-of-memory killer would
        killed_at = time.monotonic()
        assert list(statuses(api, base).values()).count("analyzed") < KILL_AFTER, "the batch was done before the kill"
        ids += [_upload(api, base, n, data) for n, data in enumerate(pictures[KILL_AFTER:], KILL_AFTER)]

        comeback = services.wait_until(lambda: _new_worker(conf, killed), 60, "a worker to come back by itself",
                                       interval=0.5)
        services.wait_until(lambda: _body(base).get("worker") == "ok", 60, "the new worker's heartbeat", interval=0.5)
        print(f"worker {killed} killed; worker {comeback} back after {time.monotonic() - killed_at:.1f} s")
        services.wait_until(lambda: set(statuses(api, base).values()) == {"analyzed"}, 120,
                            "all 20 items to be analysed", interval=0.5)
        assert sorted(statuses(api, base)) == sorted(ids) and len(ids) == BATCH
        watch.stopped.set()
        watch.join()
        assert watch.failures == [] and watch.answers > 10  # the web answered throughout

        assert sorted(path.name for path in (broker / "bad").iterdir()) == [
            "00000000000000000001_planted.celery.msg", "00000000000000000002_planted.celery.msg"]
        assert processes.log_path.read_text(errors="replace").count("Set aside an unreadable message") == 2
        family = _family(processes.pid)
        processes.process.send_signal(signal.SIGINT)  # Ctrl-C
        assert processes.process.wait(90) == 0
        assert [pid for pid in family if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"] == []
        print(f"make run's set: started, killed, recovered and stopped in {time.monotonic() - started:.0f} s")
    finally:
        watch.stopped.set()
        processes.stop()


def _body(base):
    try:
        return requests.get(f"{base}/healthz", timeout=5).json()
    except (requests.RequestException, ValueError):
        return {}


def _upload(api, base, n, data):
    reply = api.post(f"{base}/api/v1/media/", files={"file": (f"roll-{n}.jpg", data)}, timeout=60)
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


def _new_worker(conf, killed):
    pid = worker_pid(conf)
    return pid if pid and pid != killed else None


def _family(pid):
    """supervisord and every process under it."""
    parent = psutil.Process(pid)
    return [parent.pid, *(child.pid for child in parent.children(recursive=True))]
