"""Many writers and two readers on the default broker (tests/test_broker.py, bench/broker_soak.py).

Producers are processes that send small Celery tasks; consumers are Celery worker processes (a
solo pool, acknowledging late, as the project's worker does) whose one task checks what it was
given and writes a line per delivery to a file of its own. Afterwards the lines say which tasks
arrived, how often, and whether any arrived damaged; a consumer that exited by itself crashed.

Everything lives in one folder: the broker's (`queue/`, `control/`), the consumers' logs and
their `consumed-<pid>.txt` files. The folder and the transport reach the worker processes through
BROKERLOAD_DIR and BROKERLOAD_TRANSPORT: `rollweb` (rollweb/broker.py, the default broker) or
`kombu` (kombu's own filesystem transport, which the project used before).

    python -m tests.brokerload produce <producer id> <count>   # with both variables set
"""

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from celery import Celery

from rollweb.broker import set_aside_count

REPO = Path(__file__).resolve().parent.parent
TRANSPORTS = {"rollweb": "rollweb.broker:Transport", "kombu": "kombu.transport.filesystem:Transport"}
TASK = "brokerload.record"


def folders(root):
    root = Path(root)
    return {"queue": root / "queue", "control": root / "control"}


def make_app(root, transport):
    found = folders(root)
    for path in found.values():
        path.mkdir(parents=True, exist_ok=True)
    # No Django fixup: importing rollweb (for its broker) names the project's settings module.
    app = Celery("brokerload", set_as_current=False, fixups=[])
    app.conf.update(
        broker_url="filesystem://",
        broker_transport=TRANSPORTS[transport],
        broker_transport_options={
            "data_folder_in": str(found["queue"]),
            "data_folder_out": str(found["queue"]),
            "control_folder": str(found["control"]),
            "polling_interval": 0.02,  # as rollweb/settings.py
        },
        broker_connection_retry_on_startup=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=2,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
    )
    return app


def blob(producer, number):
    """The task's argument: 200 bytes that only this task has, so that damage shows."""
    return hashlib.sha256(f"{producer}:{number}".encode()).hexdigest() * 3 + f"{producer:04d}{number:04d}"


# The app of the worker and producer processes (None where the variables are not set).
app = make_app(os.environ["BROKERLOAD_DIR"], os.environ.get("BROKERLOAD_TRANSPORT", "rollweb")) \
    if os.environ.get("BROKERLOAD_DIR") else None


def _record(producer, number, text, hold=""):
    """The consumers' task: a line `producer number ok|corrupt` per delivery. While the file
    named by `hold` exists, it waits (a test kills the worker then)."""
    with open(Path(os.environ["BROKERLOAD_DIR"]) / f"consumed-{os.getpid()}.txt", "a") as out:
        out.write(f"{producer} {number} started\n")
    while hold and os.path.exists(hold):
        time.sleep(0.05)
    state = "ok" if text == blob(producer, number) else "corrupt"
    with open(Path(os.environ["BROKERLOAD_DIR"]) / f"consumed-{os.getpid()}.txt", "a") as out:
        out.write(f"{producer} {number} {state}\n")


if app is not None:
    app.task(name=TASK)(_record)


def produce(producer, count, hold=""):
    with app.producer_or_acquire() as publisher:
        for number in range(count):
            app.send_task(TASK, args=[producer, number, blob(producer, number), hold], producer=publisher)


def plant(root, name, data):
    """A file in the queue folder as if a writer had left it there (empty or cut short)."""
    path = folders(root)["queue"] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- running it -----------------------------------------------------------------------------


class Consumer:
    """One Celery worker process reading the broker."""

    def __init__(self, root, transport, name):
        self.root, self.transport, self.name = Path(root), transport, name
        self.log = self.root / f"{name}.log"
        self.process = None
        self.down = False  # exited by itself and not started again

    def start(self):
        env = {**os.environ, "BROKERLOAD_DIR": str(self.root), "BROKERLOAD_TRANSPORT": self.transport,
               "PYTHONPATH": str(REPO)}
        argv = [str(Path(sys.executable).parent / "celery"), "-A", "tests.brokerload", "worker", "--pool", "solo",
                "--hostname", f"{self.name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--loglevel", "INFO"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        return self

    def ready(self):
        return self.log.exists() and "ready." in self.log.read_text(errors="replace")

    def alive(self):
        return self.process.poll() is None

    def reap(self, restart):
        """1 if the worker exited by itself since the last look (started again when `restart`)."""
        if self.down or self.alive():
            return 0
        if restart:
            self.start()
        else:
            self.down = True
        return 1

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        """SIGTERM (a warm shutdown); the exit status, or None if it had to be killed."""
        if self.alive():
            self.process.terminate()
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()
            return None


@dataclass
class Outcome:
    sent: int
    delivered: Counter = field(default_factory=Counter)  # (producer, number) -> finished deliveries
    corrupt: int = 0
    unknown: int = 0
    crashes: int = 0
    set_aside: int = 0
    left_in_queue: int = 0
    seconds: float = 0.0
    consumer_exits: list = field(default_factory=list)

    @property
    def missing(self):
        return self.sent - len(self.delivered)

    @property
    def duplicates(self):
        return sum(count - 1 for count in self.delivered.values() if count > 1)

    def summary(self):
        rate = len(self.delivered) / self.seconds if self.seconds else 0
        return (f"sent {self.sent}, delivered {len(self.delivered)} ({rate:.0f}/s), missing {self.missing}, "
                f"delivered twice or more {self.duplicates}, corrupt {self.corrupt}, set aside {self.set_aside}, "
                f"consumer crashes {self.crashes}, left in the queue {self.left_in_queue}")


def deliveries(root, expected):
    """Finished deliveries from every consumer's file: (Counter, corrupt, unknown)."""
    counted, corrupt, unknown = Counter(), 0, 0
    for path in Path(root).glob("consumed-*.txt"):
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) != 3 or parts[2] == "started":
                continue
            key = (int(parts[0]), int(parts[1]))
            if key not in expected:
                unknown += 1
            elif parts[2] == "corrupt":
                corrupt += 1
            else:
                counted[key] += 1
    return counted, corrupt, unknown


def queue_files(root):
    return sum(1 for path in folders(root)["queue"].iterdir() if path.name.endswith(".msg"))


def run(root, transport, producers=4, per_producer=1000, consumers=2, restart=False, drain_seconds=120,
        on_tick=None):
    """Start the consumers, then the producers all at once; wait until every task was delivered
    (or nothing moved for `drain_seconds`); stop the consumers. A consumer that exits by itself
    is a crash: counted, and started again when `restart` (as a process manager would)."""
    root = Path(root)
    make_app(root, transport)
    readers = [Consumer(root, transport, f"consumer{n}").start() for n in range(consumers)]
    _wait(lambda: all(reader.ready() or not reader.alive() for reader in readers), 90, "the consumers to start")
    expected = {(p, n) for p in range(producers) for n in range(per_producer)}
    started = time.monotonic()
    env = {**os.environ, "BROKERLOAD_DIR": str(root), "BROKERLOAD_TRANSPORT": transport, "PYTHONPATH": str(REPO)}
    writers = [subprocess.Popen([sys.executable, "-m", "tests.brokerload", "produce", str(p), str(per_producer)],
                                cwd=REPO, env=env, stderr=subprocess.PIPE) for p in range(producers)]
    outcome = Outcome(sent=len(expected))
    last, moved_at = -1, time.monotonic()
    while True:
        outcome.crashes += sum(reader.reap(restart) for reader in readers)
        done, _, _ = deliveries(root, expected)
        if len(done) != last:
            last, moved_at = len(done), time.monotonic()
        if on_tick:
            on_tick(len(done), outcome.crashes)
        writing = any(writer.poll() is None for writer in writers)
        if not writing and (len(done) >= len(expected) or time.monotonic() - moved_at > drain_seconds):
            break
        if not writing and not any(reader.alive() for reader in readers):
            break
        time.sleep(0.2)
    outcome.seconds = time.monotonic() - started
    outcome.consumer_exits = [reader.stop() for reader in readers]
    for writer in writers:
        _, errors = writer.communicate()
        if writer.returncode:
            raise RuntimeError(f"a producer failed:\n{errors.decode(errors='replace')[-2000:]}")
    outcome.delivered, outcome.corrupt, outcome.unknown = deliveries(root, expected)
    outcome.set_aside = set_aside_count(folders(root)["queue"])
    outcome.left_in_queue = queue_files(root)
    return outcome


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {what}")
        time.sleep(0.1)


if __name__ == "__main__":
    if sys.argv[1:2] == ["produce"]:
        produce(int(sys.argv[2]), int(sys.argv[3]), *(sys.argv[4:5]))
    else:
        sys.exit(__doc__)
