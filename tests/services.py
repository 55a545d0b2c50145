"""Real servers for the integration tier: SeaweedFS (S3), Redis, Celery workers and gunicorn.

Each runs as a child process in its own process group, binds 127.0.0.1 only, logs to a file,
and is stopped by its pid: SIGTERM, a grace period, then SIGKILL for the whole group.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ARTIFACTS = REPO / "test-artifacts"  # git-ignored: logs and screenshots for the test log
# One folder per run (ROLLWEB_TEST_LOGS) keeps concurrent runs on one machine from clearing
# each other's logs and sharing a worker log or beat schedule.
LOGS = Path(os.environ.get("ROLLWEB_TEST_LOGS") or ARTIFACTS / "integration")


def wait_until(predicate, timeout, what, interval=0.1):
    """Poll `predicate` until it returns something truthy; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {what}")
        time.sleep(interval)


def port_free(port):
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(also_free_offset=None):
    """A free port on 127.0.0.1; with `also_free_offset`, port + offset is free too (weed's gRPC)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if also_free_offset is None or (port + also_free_offset < 65536 and port_free(port + also_free_offset)):
            return port
    raise RuntimeError("no free port pair on 127.0.0.1")


def listening(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class Service:
    """One server process (and its children) started by the test session."""

    def __init__(self, name, argv, log_dir, env=None, grace=10, stop_signal=signal.SIGTERM):
        self.name = name
        self.stop_signal = stop_signal
        self.argv = [str(part) for part in argv]
        self.env = env or dict(os.environ)
        self.log_path = Path(log_dir) / f"{name}.log"
        self.grace = grace
        self.process = None

    def start(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.argv, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def pids(self):
        """The pid of the server and of every process in its group (workers, children)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if os.getpgid(int(entry.name)) == self.process.pid:
                        found.append(int(entry.name))
                except (ProcessLookupError, PermissionError):
                    continue
        return found

    def peak_rss_bytes(self):
        """The highest resident memory any process of this server has reached (VmHWM)."""
        peak = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) * 1024)
            except (FileNotFoundError, ProcessLookupError):
                continue
        return peak

    def kill(self):
        """SIGKILL the whole group at once, as a crash or the kernel's OOM killer would."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def stop(self):
        """SIGTERM (or the server's own quick-stop signal), wait up to `grace` seconds, then
        SIGKILL whatever of the group is left."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(self.grace)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


# -- SeaweedFS -----------------------------------------------------------------------------

S3_ACCESS_KEY = "rollweb-test"
S3_SECRET_KEY = "rollweb-test-secret-key"


def seaweedfs(data_dir, ports, log_dir):
    """A one-process SeaweedFS (master, volume, filer, S3) on `ports` = (master, volume, filer, s3).

    Each port + 10000 is its gRPC port. Telemetry and the extra catalog servers are off.
    """
    master, volume, filer, s3 = ports
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "s3.json"
    identity = {"name": "rollweb", "credentials": [{"accessKey": S3_ACCESS_KEY, "secretKey": S3_SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"]}
    config.write_text(json.dumps({"identities": [identity]}))
    argv = [
        BIN / "weed", "server", f"-dir={data_dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}",
        "-s3", f"-s3.port={s3}", f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0",
        "-master.telemetry=false", "-master.volumeSizeLimitMB=256", "-volume.max=50",
        "-volume.preStopSeconds=0",
    ]
    return Service("seaweedfs", argv, log_dir, grace=5)


# -- Redis, Celery, gunicorn -----------------------------------------------------------------


def redis_server(port, log_dir):
    """A private Redis that keeps nothing on disk (a restart loses what it held, like a crash)."""
    argv = ["redis-server", "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no",
            "--dir", log_dir]
    return Service(f"redis-{port}", argv, log_dir, grace=5)


def celery_worker(env, log_dir, name="worker", concurrency=2, beat=False, queues=None):
    """A worker as the Procfile starts it (every queue), or as `make worker QUEUES=…` does."""
    argv = [BIN / "celery", "-A", "rollweb", "worker", "--concurrency", concurrency, "--pool", "prefork",
            "--hostname", f"{name}-{os.getpid()}@%h", "--without-gossip", "--without-mingle",
            "--loglevel", "INFO"]
    if queues:
        argv += ["--queues", ",".join(queues)]
    if beat:
        argv += ["--beat", "--schedule", Path(log_dir) / f"{name}-beat-schedule"]
    return Service(name, argv, log_dir, env=env, grace=15)


def gunicorn(env, port, log_dir, workers=2):
    """The web server as `make serve-prod` and the Procfile start it."""
    argv = [BIN / "gunicorn", "rollweb.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", workers,
            "--timeout", "300", "--access-logfile", "-"]
    return Service(f"gunicorn-{port}", argv, log_dir, env=env, grace=10, stop_signal=signal.SIGINT)


# -- a storage endpoint that fails -------------------------------------------------------------


class BrokenEndpoint:
    """A TCP endpoint on 127.0.0.1 that fails the way an unreachable S3 does.

    refuse: nothing listens. reset: the connection is accepted, the request read, then closed
    without an answer. stall: the connection is accepted and never answered.
    """

    def __init__(self, mode):
        import threading

        self.mode = mode
        self.port = free_port()
        self.held = []
        self.listener = None
        if mode != "refuse":
            self.listener = socket.create_server(("127.0.0.1", self.port))
            threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            if self.mode == "reset":
                connection.settimeout(2)
                try:
                    connection.recv(65536)
                except OSError:
                    pass
                connection.close()
            else:
                self.held.append(connection)

    def close(self):
        if self.listener is not None:
            self.listener.close()
        for connection in self.held:
            connection.close()
