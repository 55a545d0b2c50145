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


def queue_name(kind):
    """The broker's name for a kind's queue, prefixed by CELERY_QUEUE so deployments and test runs
    sharing one broker never take each other's messages."""
    if kind not in QUEUE_KINDS:
        raise ValueError(f"no queue for {kind!r}")
    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}.{kind}"


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


def backlog(queue=None):
    """How many tasks wait in a queue (the default one unless named), or None when the broker
    cannot be asked."""
    try:
        with app.connection_for_write() as conn:
            declared = conn.default_channel.queue_declare(
                queue=queue or settings.CELERY_TASK_DEFAULT_QUEUE, passive=True
            )
            return declared.message_count
    except Exception:
        return None


def backlogs():
    """Tasks waiting per queue kind (None where the broker cannot say, e.g. a queue never declared)."""
    return {kind: backlog(queue_name(kind)) for kind in QUEUE_KINDS}
