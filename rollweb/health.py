"""/healthz: the database, the broker and the storage, which the web needs to serve; and
whether a worker is alive, which it reports but does not fail on (a load balancer must not drop
a web server because a worker elsewhere is down)."""

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from .celery import app as celery_app
from .workers import workers_state


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def check_storage():
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}", ContentFile(b"ok"))
    default_storage.delete(name)


CHECKS = {"database": check_database, "broker": check_broker, "storage": check_storage}


def run_checks():
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:
            results[name] = f"unreachable: {exc.__class__.__name__}"
        else:
            results[name] = "ok"
    return results


def worker_status():
    """"ok", or why no worker is known to be running; never raises."""
    try:
        return workers_state().summary
    except Exception as exc:
        return f"unknown: {exc.__class__.__name__}"
