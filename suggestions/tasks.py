"""Celery tasks: thin wrappers that take ids and call services."""

import ctypes
import ctypes.util
import gc
import threading

from celery import shared_task
from celery.signals import task_postrun, task_prerun, worker_init

from rollweb.queue import enqueue

from .analysis import faces, location
from .edits import services as edits
from .feed import render as feed_render, services as feed
from .library import backfill, pipeline, registry, resumable, services as library
from .people import selectors as people_selectors, services as people


@shared_task(name="suggestions.tasks.ingest_next")
def ingest_next():
    pipeline.media_next(registry.INGEST)


@shared_task(name="suggestions.tasks.analyze_next")
def analyze_next():
    pipeline.media_next(registry.ANALYSIS)


@shared_task(name="suggestions.tasks.analyze_media")
def analyze_media(item_id):
    """Messages queued before the two passes: every pass of that item at once."""
    pipeline.media_analyze(item_id)


@shared_task(name="suggestions.tasks.requeue_stuck_media")
def requeue_stuck_media():
    backfill.backfill_requeue_stalled()
    edits.renditions_requeue_pending()
    feed.suggestions_requeue_unrendered()
    resumable.resumable_sweep()
    return len(library.media_requeue_stuck())


@shared_task(name="suggestions.tasks.backfill_step")
def backfill_step(backfill_id):
    backfill.backfill_step(backfill_id)


@shared_task(name="suggestions.tasks.recluster_people")
def recluster_people(user_id):
    return dict(people.people_recluster_if_allowed(user_id))


@shared_task(name="suggestions.tasks.recluster_all_people")
def recluster_all_people():
    user_ids = people_selectors.people_owners()
    for user_id in user_ids:
        enqueue("suggestions.tasks.recluster_people", user_id)
    return len(user_ids)


@worker_init.connect
def preload_models(**kwargs):
    """Load the place table and face models once in the worker's parent process, so the pool's
    children share those pages instead of each loading its own copy; freezing them keeps the
    children's garbage collector from touching (and so copying) them."""

    location.preload()
    faces.preload()
    gc.freeze()


_libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
# A pool process gives memory back once it has had no task for this long.
IDLE_TRIM_SECONDS = 2.0
_trim_timer = None


def _trim():
    trim = getattr(_libc, "malloc_trim", None)
    if trim is not None:
        trim(0)


@task_prerun.connect
def keep_memory(**kwargs):
    global _trim_timer
    if _trim_timer is not None:
        _trim_timer.cancel()
        _trim_timer = None


@task_postrun.connect
def return_memory_when_idle(**kwargs):
    """Give the memory a task freed back to the system once the process goes idle.

    An analysis briefly needs 100-150 MB (the decode, the detector's image pyramid), which
    glibc keeps mapped, so an idle pool process would sit at its peak. Trimming after every
    task made the next one fault those pages in again (36 ms of system time a photo, 4% of a
    busy run), so a busy process keeps them and an idle one returns them.
    """
    global _trim_timer
    keep_memory()
    _trim_timer = threading.Timer(IDLE_TRIM_SECONDS, _trim)
    _trim_timer.daemon = True
    _trim_timer.start()


@shared_task(name="suggestions.tasks.refresh_suggestions")
def refresh_suggestions(user_id, debounced=True):
    if debounced:
        feed.suggestions_refresh_due(user_id)
    else:
        feed.suggestions_refresh(user_id)


@shared_task(name="suggestions.tasks.render_suggestion")
def render_suggestion(suggestion_id):
    feed_render.suggestion_render(suggestion_id)


@shared_task(name="suggestions.tasks.render_rendition")
def render_rendition(rendition_id):
    edits.rendition_render(rendition_id)


@shared_task(name="suggestions.tasks.refresh_everyones_suggestions")
def refresh_everyones_suggestions():
    return feed.suggestions_refresh_everyone()


@shared_task(name="suggestions.tasks.queue_due_refreshes")
def queue_due_refreshes():
    return len(feed.suggestions_queue_due())
