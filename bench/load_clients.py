"""The clients of bench/load.py: phones syncing their camera rolls and people reading their feeds.

Plain HTTP to the served site with `requests`, nothing from Django, so that each group of
clients runs in a process of its own (spawned by load.py) and its timing is not disturbed by the
other group or by the bench's own database work. Each client is a thread with its own
keep-alive session and its own API token; every loop stops by itself at a deadline.
"""

import hashlib
import io
import random
import struct
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import requests

# A capture time in the templates' EXIF, replaced per photo by another of the same length.
PLACEHOLDER = b"2000:01:01 00:00:00"
PORTRAITS = [
    "faces/obama.jpg", "faces/kit_with_rose.jpg", "faces/two_people.jpg", "faces/biden.jpg",
    "faces/alex_lacamoire1.jpg", "faces/rose_leslie_img1.jpg", "faces/obama_and_biden.jpg", "faces/biden_biden2.jpg",
]
LANDSCAPES = ["exif/DSCN0010.jpg", "exif/DSCN0012.jpg", "exif/DSCN0021.jpg", "exif/DSCN0025.jpg",
              "exif/iphone_hdr_YES.jpg"]
MAX_RETRIES = 20  # 429s honoured for one request before it counts as an error
PASSWORD = "load bench passphrase 7"


# -- the tally of one client process ------------------------------------------------------------


class Tally:
    """Requests, errors and latencies per endpoint, shared by the threads of one process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = {}
        self.errors = {}
        self.throttled = {}
        self.resent = {}  # GETs sent again after a connection error (once each)
        self.latency_ms = {}
        self.examples = []
        self.kept = {}  # uploader username -> ids the server answered 201 (or 200, the same item) for
        self.unsynced = {}  # uploader username -> photos still missing when the client stopped

    def record(self, endpoint, elapsed_ms, ok, problem=None):
        with self.lock:
            self.requests[endpoint] = self.requests.get(endpoint, 0) + 1
            if ok:
                self.latency_ms.setdefault(endpoint, []).append(elapsed_ms)
            else:
                self.errors[endpoint] = self.errors.get(endpoint, 0) + 1
                if len(self.examples) < 20:
                    self.examples.append(f"{endpoint}: {problem}")

    def throttle(self, endpoint):
        with self.lock:
            self.throttled[endpoint] = self.throttled.get(endpoint, 0) + 1

    def resend(self, endpoint):
        with self.lock:
            self.resent[endpoint] = self.resent.get(endpoint, 0) + 1

    def problem(self, endpoint, text):
        """An error found by a client that is not one request's status (e.g. a check after sync)."""
        with self.lock:
            self.errors[endpoint] = self.errors.get(endpoint, 0) + 1
            if len(self.examples) < 20:
                self.examples.append(f"{endpoint}: {text}")

    def result(self):
        return {
            "requests": self.requests, "errors": self.errors, "throttled": self.throttled, "resent": self.resent,
            "latency_ms": self.latency_ms, "examples": self.examples, "kept": self.kept,
            "unsynced": self.unsynced,
        }


class Client:
    """One device: a keep-alive session, its token, and timed calls that honour 429 Retry-After."""

    def __init__(self, base, tally, token=None):
        self.base = base
        self.tally = tally
        self.http = requests.Session()
        if token:
            self.authorise(token)

    def authorise(self, token):
        self.http.headers["Authorization"] = f"Token {token}"

    def call(self, endpoint, method, path, expect, stop_at, **kwargs):
        """Send until answered (429s waited out, up to MAX_RETRIES and `stop_at`); None on an error."""
        url = path if path.startswith("http") else self.base + path
        resent = False
        for _ in range(MAX_RETRIES):
            began = time.perf_counter()
            try:
                response = self.http.request(method, url, timeout=120, allow_redirects=False, **kwargs)
            except requests.ConnectionError as exc:
                if method == "GET" and not resent:
                    # A kept-alive connection the server closed as it was reused (gthread workers
                    # close idle ones): a phone's HTTP stack sends a GET again once; so do we, and count it.
                    resent = True
                    self.tally.resend(endpoint)
                    continue
                self.tally.record(endpoint, 0, False, f"{exc.__class__.__name__}: {str(exc)[:160]}")
                return None
            except requests.RequestException as exc:
                self.tally.record(endpoint, 0, False, f"{exc.__class__.__name__}: {str(exc)[:160]}")
                return None
            elapsed = (time.perf_counter() - began) * 1000
            if response.status_code == 429:
                self.tally.throttle(endpoint)
                wait = float(response.headers.get("Retry-After") or 1)
                if time.monotonic() + wait > stop_at:
                    break
                time.sleep(wait)
                continue
            if response.status_code in expect:
                self.tally.record(endpoint, elapsed, True)
                return response
            self.tally.record(endpoint, elapsed, False, f"HTTP {response.status_code} {response.text[:120]!r}")
            return None
        self.tally.record(endpoint, 0, False, "still throttled (429) when the client had to stop")
        return None


# -- the camera roll ------------------------------------------------------------------------------


def _grain(image, seed, sigma=7.0):
    """Sensor-like noise, so a JPEG weighs about what a phone's photo of its size weighs."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(image, dtype=np.float32)
    pixels += np.random.default_rng(seed).normal(0, sigma, pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def templates(corpus, size):
    """Phone-like JPEGs from the corpus, each with a placeholder capture time in its EXIF:
    portraits (corpus faces on a phone-shaped canvas) and landscapes (with their GPS)."""
    from PIL import Image

    from bench import scenes

    width, height = size
    sources = [("portrait", path) for path in PORTRAITS] + [("landscape", path) for path in LANDSCAPES]
    sources = sources[::2] + sources[1::2]  # faces and places mixed along the roll
    made = []
    for index, (kind, path) in enumerate(sources):
        if kind == "portrait":
            image = scenes.portrait_scene(corpus, path, width, height, seed=index)
            exif = Image.Exif()
        else:
            source = Image.open(Path(corpus) / path)
            exif = source.getexif()
            exif.get_ifd(0x8825)  # GPS: loaded, so that it is written back
            image = source.convert("RGB").resize((width, height), Image.Resampling.BICUBIC)
        exif[0x0132] = PLACEHOLDER.decode()
        exif[0x010F], exif[0x0110] = "rollweb", "Load Bench Phone"
        camera = exif.get_ifd(0x8769)
        camera[0x9003] = camera[0x9004] = PLACEHOLDER.decode()
        out = io.BytesIO()
        _grain(image, seed=index).save(out, "JPEG", quality=88, exif=exif.tobytes())
        data = out.getvalue()
        assert data.count(PLACEHOLDER) >= 2, "the capture time placeholder did not reach the EXIF"
        made.append(data)
    return made


def _with_comment(jpeg, text):
    """The JPEG with a comment segment after its APPn (EXIF) segments: new bytes, same picture."""
    position = 2
    while jpeg[position] == 0xFF and 0xE0 <= jpeg[position + 1] <= 0xEF:
        position += 2 + struct.unpack(">H", jpeg[position + 2:position + 4])[0]
    body = text.encode()
    return jpeg[:position] + b"\xff\xfe" + struct.pack(">H", len(body) + 2) + body + jpeg[position:]


def roll_photo(bases, uploader, n):
    """Photo n of an uploader's roll: a template, its own capture time (eight photos a day, a day
    every five days), and a comment naming it. Returns (name, bytes, capture time)."""
    taken = datetime(2023, 1, 1, 10) + timedelta(days=(n // 8) * 5 + uploader, minutes=(n % 8) * 7, seconds=n % 60)
    stamp = taken.strftime("%Y:%m:%d %H:%M:%S").encode()
    data = bases[(n + uploader) % len(bases)].replace(PLACEHOLDER, stamp)
    return f"IMG_{n:04d}.JPG", _with_comment(data, f"load bench uploader {uploader} photo {n}"), taken


# -- uploaders ----------------------------------------------------------------------------------------


def uploader(base, number, spec, bases, tally, stop_at):
    """Sign up, consent, then sync the roll the way the phone does: hash everything, ask which
    hashes the server lacks (in batches), upload each missing one with its sha256. When the roll
    is in, re-check it every `recheck_seconds` until the readers stop: nothing may go missing."""
    client = Client(base, tally)
    username = f"{spec['prefix']}-up-{number}"
    answer = client.call("auth/register", "POST", "/api/v1/auth/register/", {201}, stop_at,
                         json={"username": username, "password": PASSWORD, "device_name": f"phone {number}"})
    if answer is None:
        return
    client.authorise(answer.json()["token"]["token"])
    state = client.call("consent", "GET", "/api/v1/consent/", {200}, stop_at)
    if state is None:
        return
    granted = client.call("consent/grant", "POST", "/api/v1/consent/grant/", {200}, stop_at, json={
        "scopes": spec["scopes"], "notice_version": state.json()["notice_version"], "biometric_confirmed": True})
    if granted is None:
        return

    roll = {}  # sha256 -> photo number; the bytes are made again (cheaply) when they are sent
    for n in range(spec["photos"]):
        roll[hashlib.sha256(roll_photo(bases, number, n)[1]).hexdigest()] = n
    hashes = list(roll)
    kept = set()
    with tally.lock:
        tally.kept[username] = kept
    batch = spec["check_batch"]
    unsent = set()  # hashes this client never had an answer for: not counted as kept
    for start in range(0, len(hashes), batch):
        chunk = hashes[start:start + batch]
        if time.monotonic() > stop_at:
            unsent.update(chunk)
            continue
        answer = client.call("media/check", "POST", "/api/v1/media/check/", {200}, stop_at, json={"sha256": chunk})
        if answer is None:
            unsent.update(chunk)
            continue
        for sha256 in answer.json()["missing"]:
            n = roll[sha256]
            name, data, taken = roll_photo(bases, number, n)
            if time.monotonic() > stop_at:
                unsent.add(sha256)
                continue
            sent = client.call(
                "media upload", "POST", "/api/v1/media/", {200, 201}, stop_at,
                files={"file": (name, data, "image/jpeg")},
                data={"sha256": sha256, "automatic": "true", "device_asset_id": f"asset-{number}-{n}",
                      "captured_at": taken.isoformat()},
            )
            if sent is None:
                unsent.add(sha256)
                continue
            with tally.lock:
                kept.add(sent.json()["id"])

    # The phone's background sync: the whole roll again, now and then, until the run ends.
    while True:
        answer = client.call("media/check (resync)", "POST", "/api/v1/media/check/", {200}, stop_at,
                             json={"sha256": hashes})
        if answer is not None:
            body = answer.json()
            gone = set(body["missing"]) | set(body["deleted"])
            if gone - unsent:
                tally.problem("media/check (resync)",
                              f"{username}: {len(gone - unsent)} photos the server accepted are reported missing")
        if time.monotonic() + spec["recheck_seconds"] > spec["readers_until"]:
            break
        time.sleep(spec["recheck_seconds"])
    with tally.lock:
        tally.unsynced[username] = len(unsent)


def run_uploaders(spec, go):
    """The uploader process: the roll's templates first, then every uploader a thread."""
    bases = templates(spec["corpus"], spec["size"])
    go.ready()
    tally = Tally()
    began = time.monotonic()
    spec = {**spec, "readers_until": began + spec["seconds"]}
    stop_at = began + spec["hard_stop_seconds"]
    threads = [threading.Thread(target=uploader, args=(spec["base"], n, spec, bases, tally, stop_at))
               for n in range(spec["uploaders"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = tally.result()
    result["kept"] = {name: sorted(ids) for name, ids in result["kept"].items()}
    result["photo_bytes"] = [len(data) for data in bases]
    return result


# -- readers ------------------------------------------------------------------------------------------


def reader(base, token, spec, tally, until, seed):
    """Read the feed as a person does: the first page, then now and then `next` a few times,
    with a pause (think time) between requests."""
    client = Client(base, tally, token)
    rng = random.Random(seed)
    think = spec["think"]
    time.sleep(rng.uniform(0, think))  # not all at the same instant
    while time.monotonic() < until:
        answer = client.call("suggestions", "GET", "/api/v1/suggestions/", {200}, until)
        if answer is not None and not answer.json().get("results"):
            tally.problem("suggestions", "the seeded feed came back empty")
        pages = 0
        while answer is not None and time.monotonic() < until:
            following = answer.json().get("next")
            if not following or pages >= spec["max_pages"] or rng.random() > spec["follow_next"]:
                break
            time.sleep(rng.uniform(0.25, 0.75) * think)
            answer = client.call("suggestions next", "GET", following, {200}, until)
            pages += 1
        time.sleep(rng.uniform(0.5, 1.5) * think)


def run_readers(spec, go):
    go.ready()
    tally = Tally()
    until = time.monotonic() + spec["seconds"]
    threads = [threading.Thread(target=reader, args=(spec["base"], token, spec, tally, until, n))
               for n, token in enumerate(spec["tokens"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally.result()


class StartSignal:
    """A child says it is ready, then waits for the parent's go: both groups start together."""

    def __init__(self, ready_queue, go_event, name):
        self.ready_queue, self.go_event, self.name = ready_queue, go_event, name

    def ready(self):
        self.ready_queue.put(self.name)
        if not self.go_event.wait(600):
            raise SystemExit(f"{self.name}: no start signal within 10 minutes")


def client_process(kind, spec, ready_queue, go_event, results):
    """Entry point of a spawned client process: runs one group, puts (kind, result or error)."""
    import traceback

    try:
        run = {"uploaders": run_uploaders, "readers": run_readers}[kind]
        results.put((kind, run(spec, StartSignal(ready_queue, go_event, kind))))
    except BaseException:
        results.put((kind, {"crash": traceback.format_exc()}))
