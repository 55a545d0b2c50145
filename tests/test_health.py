from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from rollweb import health, workers
from rollweb.models import WorkerHeartbeat

from .services import wait_until


def test_healthz_checks_database_broker_and_storage(client, db, stored_files):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "database": "ok", "broker": "ok", "storage": "ok", "worker": "no worker has sent a heartbeat"
    }
    assert stored_files() == []  # the storage probe cleans up


def test_healthz_reports_a_failing_check(client, db, monkeypatch):
    def broken():
        raise ConnectionError("broker down")

    monkeypatch.setitem(health.CHECKS, "broker", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable: ConnectionError"


def test_a_silent_worker_is_said_in_the_body_but_the_web_stays_healthy(client, db):
    """A load balancer must not drop a web server because a worker elsewhere is down."""
    now = timezone.now()
    workers.heartbeat_record("celery@gone", now - timedelta(minutes=5), now=now - timedelta(seconds=45))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["worker"] in {f"no worker has sent a heartbeat for {s} s" for s in (45, 46)}
    workers.heartbeat_record("celery@here", now)
    assert client.get("/healthz").json()["worker"] == "ok"


def test_a_worker_beats_while_it_runs_and_says_goodbye_when_it_stops(transactional_db, settings):
    settings.WORKER_HEARTBEAT_SECONDS = 0.05
    workers.on_worker_ready(SimpleNamespace(hostname="celery@test"))
    try:
        beats = WorkerHeartbeat.objects.filter(name="celery@test")
        first = wait_until(lambda: beats.values_list("beat_at", flat=True).first(), 10, "a first heartbeat")
        wait_until(lambda: beats.filter(beat_at__gt=first).exists(), 10, "a second heartbeat", interval=0.02)
        assert workers.workers_state().summary == "ok"
    finally:
        workers.on_worker_shutdown(sender=None)
    assert not WorkerHeartbeat.objects.exists()
    assert workers.workers_state().summary == "no worker has sent a heartbeat"


def test_rows_of_workers_gone_for_a_day_are_forgotten(db):
    now = timezone.now()
    workers.heartbeat_record("celery@old", now - timedelta(days=3), now=now - timedelta(days=2))
    workers.heartbeat_record("celery@new", now, now=now)
    assert list(WorkerHeartbeat.objects.values_list("name", flat=True)) == ["celery@new"]
