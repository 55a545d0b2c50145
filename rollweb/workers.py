"""Worker heartbeats: is any Celery worker alive?

Each worker's main process records a heartbeat every WORKER_HEARTBEAT_SECONDS (a thread started
when the worker is ready, stopped when it shuts down). The web's /healthz body and the operators'
page say when no worker has sent one for WORKER_SILENT_SECONDS: uploads are then kept but wait.
"""

import logging
import os
import threading
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connections
from django.utils import timezone

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Rows of workers gone this long are removed (a killed worker cannot remove its own).
FORGET_AFTER = timedelta(days=1)


def heartbeat_record(name, started_at, now=None):
    now = now or timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"pid": os.getpid(), "started_at": started_at, "beat_at": now}
    )
    WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()


def heartbeat_forget(name):
    WorkerHeartbeat.objects.filter(name=name).delete()


@dataclass
class WorkersState:
    alive: int
    last_beat_at: object  # the latest heartbeat of any worker, or None
    silent_for: float | None  # seconds since then

    @property
    def ok(self):
        return self.alive > 0

    @property
    def summary(self):
        if self.ok:
            return "ok"
        if self.last_beat_at is None:
            return "no worker has sent a heartbeat"
        return f"no worker has sent a heartbeat for {self.silent_for:.0f} s"


def workers_state(now=None):
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.WORKER_SILENT_SECONDS)
    beats = WorkerHeartbeat.objects.all()
    last = beats.values_list("beat_at", flat=True).first()
    return WorkersState(
        alive=beats.filter(beat_at__gte=since).count(),
        last_beat_at=last,
        silent_for=(now - last).total_seconds() if last else None,
    )


class Heartbeat:
    """The thread that records one worker's heartbeats."""

    def __init__(self, name, interval):
        self.name = name
        self.interval = interval
        self.started_at = timezone.now()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="rollweb-heartbeat", daemon=True)

    def _run(self):
        while True:
            try:
                heartbeat_record(self.name, self.started_at)
            except Exception:
                logger.warning("could not record the worker's heartbeat", exc_info=True)
            finally:
                connections.close_all()  # this thread's own connections
            if self.stopped.wait(self.interval):
                return

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=self.interval + 5)
        try:
            heartbeat_forget(self.name)
        finally:
            connections.close_all()


_running = {}


def on_worker_ready(sender, **kwargs):
    """Receiver of Celery's worker_ready: start this worker's heartbeats."""
    heartbeat = Heartbeat(sender.hostname, settings.WORKER_HEARTBEAT_SECONDS)
    _running[sender.hostname] = heartbeat
    heartbeat.thread.start()


def on_worker_shutdown(sender, **kwargs):
    """Receiver of Celery's worker_shutdown: the worker stops on purpose, so it says so."""
    for name in list(_running):
        _running.pop(name).stop()
