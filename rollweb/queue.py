"""The one way to send work to the workers: a task by its registered name, after the transaction commits.

Both apps enqueue (consent its exports, suggestions its analyses and renders) and `consent` may not
import `suggestions`, so this lives in the kernel. Tasks are looked up by name in the Celery app's
registry rather than imported, so no service imports a tasks module, and `apply_async` on the
registered task honours CELERY_TASK_ALWAYS_EAGER (the unit tier runs tasks in-process), which
`app.send_task` would not.
"""

import logging

from django.conf import settings
from django.db import transaction

from .celery import app

logger = logging.getLogger(__name__)

# The kinds of work, each on its own queue so that one kind never waits behind another.
QUEUE_KINDS = ("ingest", "analysis", "render", "erase")

# Every task's kind, by registered name: the one place a task is routed (settings'
# CELERY_TASK_ROUTES calls `route`). A task missing here would go to the plain CELERY_QUEUE
# queue, which only a worker of every kind consumes; tests/test_queues.py fails on one.
TASK_KINDS = {
    # Store, previews, capture time, places; the sweepers and the clock's small work.
    "suggestions.tasks.ingest_next": "ingest",
    "suggestions.tasks.analyze_media": "ingest",
    "suggestions.tasks.requeue_stuck_media": "ingest",
    "suggestions.tasks.refresh_suggestions": "ingest",
    "suggestions.tasks.queue_due_refreshes": "ingest",
    "suggestions.tasks.refresh_everyones_suggestions": "ingest",
    "suggestions.tasks.recluster_all_people": "ingest",
    "consent.tasks.sweep_exports": "ingest",
    "consent.tasks.expire_lapsed_grants": "ingest",
    "consent.tasks.pause_stale_notices": "ingest",
    "consent.tasks.sweep_erasures": "ingest",
    # Faces, themes, video frames: the slow second pass, and the work on faces a grant starts.
    "suggestions.tasks.analyze_next": "analysis",
    "suggestions.tasks.backfill_step": "analysis",
    "suggestions.tasks.recluster_people": "analysis",
    # Collages, recaps, edits and exports.
    "suggestions.tasks.render_suggestion": "render",
    "suggestions.tasks.render_rendition": "render",
    "consent.tasks.build_export": "render",
    # Destroying what consent no longer covers.
    "consent.tasks.enforce_face_retention": "erase",
    "consent.tasks.run_erasures": "erase",
}


def queue_name(kind):
    """The broker's name for a kind's queue, prefixed by CELERY_QUEUE so deployments and test runs
    sharing one broker never take each other's messages."""
    if kind not in QUEUE_KINDS:
        raise ValueError(f"no queue for {kind!r}")
    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}.{kind}"


def route(name, args, kwargs, options, task=None, **kw):
    """Celery's router (CELERY_TASK_ROUTES): each task to its kind's queue."""
    kind = TASK_KINDS.get(name)
    return {"queue": queue_name(kind)} if kind else None


def worker_queues():
    """The names of every queue a worker consumes when not told which (`make run`, the Procfile)."""
    return [settings.CELERY_TASK_DEFAULT_QUEUE, *(queue_name(kind) for kind in QUEUE_KINDS)]


def consumes(kind):
    """Whether this process's worker takes `kind`'s work: `celery worker -Q` selects the queues
    in the worker's parent before its pool forks. True outside a worker and without -Q."""
    selected = app.amqp.queues.consume_from
    return not selected or queue_name(kind) in selected


def enqueue(task_name, *args, **kwargs):
    """Send `task_name(*args, **kwargs)` once the current transaction commits (at once outside one).

    A broker that cannot be reached is logged, never raised: each kind of work has a sweeper that
    queues it again.
    """
    transaction.on_commit(lambda: _send(task_name, args, kwargs))


def _registered(task_name):
    if task_name not in app.tasks:
        app.loader.import_default_modules()  # a web process has not imported the tasks modules yet
    return app.tasks[task_name]


def _send(task_name, args, kwargs):
    task = _registered(task_name)
    try:
        if kwargs:
            task.apply_async(args=args, kwargs=kwargs)
        else:
            task.apply_async(args=args)
    except Exception:
        logger.warning("could not queue %s%s; it will be queued again", task_name, args, exc_info=True)


def backlog(kind=None):
    """How many tasks wait in `kind`'s queue (default: every queue), or None when the broker
    cannot be asked."""
    names = [queue_name(kind)] if kind else worker_queues()
    try:
        with app.connection_for_write() as conn:
            return sum(_declared(conn, name) for name in names)
    except Exception:
        return None


def _declared(conn, name):
    with conn.channel() as channel:
        try:
            return channel.queue_declare(queue=name, passive=True).message_count
        except conn.channel_errors:
            return 0  # never declared (or, on Redis, empty): nothing waits in it


def main(argv):
    """`python -m rollweb.queue analysis,render`: the queue names `make worker QUEUES=…` consumes
    (`all`: every queue, as a worker told none consumes)."""
    kinds = [kind.strip() for kind in ",".join(argv).split(",") if kind.strip()]
    if kinds == ["all"]:
        print(",".join(worker_queues()))
        return
    names = [queue_name(kind) for kind in kinds]
    if "ingest" in kinds:
        names.insert(0, settings.CELERY_TASK_DEFAULT_QUEUE)  # tasks sent before the queues were split
    print(",".join(names))


if __name__ == "__main__":
    import sys

    import django

    django.setup()
    try:
        main(sys.argv[1:])
    except ValueError as exc:
        sys.exit(f"QUEUES: {exc}; the kinds are {', '.join(QUEUE_KINDS)}")


def backlogs():
    """Tasks waiting per queue kind (None where the broker cannot say)."""
    return {kind: backlog(kind) for kind in QUEUE_KINDS}
