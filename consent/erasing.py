"""Large erasures, in chunks on the `erase` queue: a durable request, short transactions, resumable.

A revoke (or an account deletion) that would erase more than ERASE_INLINE_ITEMS items records an
`Erasure` in its own transaction instead of erasing there. From then on the scope counts as not
in force (services.active_grants reads the pending erasures), so nothing derived under it is
shown or used while a worker erases it chunk by chunk, each chunk its own transaction. The
erasure remembers where it stopped (`progress`), so a worker that dies loses at most one chunk's
work, which is repeated; the sweeper queues an erasure again when its task was lost. Stored files
are deleted after their chunk commits; any a crash left behind are found by the last step, which
deletes what remains under the person's storage prefix for the scope.

A chunk is bounded by time as well as by count: the first of each part takes FIRST_CHUNK_ITEMS
ids, and each next one as many as the last one's cost per id says fit in ERASE_CHUNK_MS (at most
twice the last, at most ERASE_CHUNK_ITEMS). Deleting an account's items costs several times what
deleting their faces does, so the same setting gives the account's chunks fewer items. Between
chunks the worker waits ERASE_PAUSE_PERCENT of the time the last chunk took (its files included),
so on a busy machine people's requests keep most of the database and the CPU.
"""

import logging
import time
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rollweb import metrics
from rollweb.leases import lease_claim
from rollweb.queue import enqueue
from rollweb.storage import delete_files_batched

from .erasure import chunked_parts, erase_scope, finisher
from .models import ConsentEvent, ConsentRecord, Erasure

logger = logging.getLogger(__name__)

ERASE_TASK = "consent.tasks.run_erasures"
LEASE = timedelta(minutes=5)
# An erasure is never abandoned lightly: a promise hangs on it. After this many claims it is
# marked failed for the operators (and still blocks the scope).
MAX_ATTEMPTS = 20
PENDING = (Erasure.Status.QUEUED, Erasure.Status.RUNNING, Erasure.Status.FAILED)
FIRST_CHUNK_ITEMS = 20
clock = time.monotonic  # what transactions are timed by (a test gives it a cost per id)


def erasure_request(record, scope, *, method, receipt_id=None):
    """Record that `scope` (or Erasure.ACCOUNT) must be erased, and queue the record's erasures."""
    erasure = Erasure.objects.create(record=record, scope=scope, method=method, receipt_id=receipt_id)
    enqueue(ERASE_TASK, str(record.pk))
    return erasure


def pending_scopes(user_id):
    """The scopes of a person with an erasure not yet done (Erasure.ACCOUNT for the account)."""
    return set(
        Erasure.objects.filter(record__user_id=user_id, status__in=PENDING).values_list("scope", flat=True)
    )


def erasures_pending(user):
    return Erasure.objects.filter(record__user=user, status__in=PENDING)


def erasures_run(record_id):
    """Run a record's unfinished erasures in the order they were asked for."""
    for erasure_id in Erasure.objects.filter(record_id=record_id).exclude(status=Erasure.Status.DONE).values_list(
        "pk", flat=True
    ):
        if not _claim(erasure_id):
            return
        erasure_run(Erasure.objects.select_related("record__user").get(pk=erasure_id))


def _claim(erasure_id, now=None):
    now = now or timezone.now()
    return lease_claim(
        Erasure, erasure_id, statuses=(Erasure.Status.QUEUED, Erasure.Status.RUNNING, Erasure.Status.FAILED),
        lease=LEASE, max_attempts=MAX_ATTEMPTS, now=now, gave_up={},
    )


def erasure_run(erasure):
    """Erase in chunks from where the erasure stopped, then the rest in one short transaction."""
    user = erasure.record.user
    if erasure.scope == Erasure.ACCOUNT:
        finish = finisher(Erasure.ACCOUNT)
        started = clock()
        with transaction.atomic():
            counts = finish(erasure) if user is not None else Counter()
            _done(erasure, counts)
        _log_last(erasure, started)
        return
    if user is not None:
        for part, (batches, step) in enumerate(chunked_parts(erasure.scope)):
            _run_part(erasure, part, batches, step)
    started = clock()
    with transaction.atomic():
        ConsentRecord.objects.select_for_update().filter(pk=erasure.record_id).first()
        counts = erase_scope(user, erasure.scope, walked=True) if user is not None else Counter()
        total = _done(erasure, counts)
        ConsentEvent.objects.create(
            record_id=erasure.record_id, kind=ConsentEvent.Kind.ERASURE, scope=erasure.scope, method=erasure.method,
            receipt_id=erasure.receipt_id, counts=total,
        )
    _log_last(erasure, started)
    metrics.erasure_finished(erasure.scope, total)


def _log_last(erasure, started):
    held = clock() - started
    metrics.erasure_chunk_seconds(erasure.scope, held)
    logger.info("erasure %s (%s) last transaction in %.3f s", erasure.pk, erasure.scope, held)


def _run_part(erasure, part, batches, step):
    progress = erasure.progress_of(part)
    if progress == "done":
        return
    limit, aim = settings.ERASE_CHUNK_ITEMS, settings.ERASE_CHUNK_MS / 1000
    size = min(FIRST_CHUNK_ITEMS, limit)
    while True:
        started, began = clock(), time.monotonic()
        with transaction.atomic():
            ids = batches(erasure.record.user, progress, size)
            counts, names = step(erasure.record.user, ids) if ids else (Counter(), [])
            progress = ids[-1] if len(ids) == size else "done"
            _advance(erasure, part, progress, counts)
        held = clock() - started
        metrics.erasure_chunk_seconds(erasure.scope, held)
        files = delete_files_batched(names)
        if files:
            _advance(erasure, part, progress, Counter(files=files), chunk=False)
        logger.info(
            "erasure %s (%s) chunk %d: %d ids in %.3f s, %d files deleted",
            erasure.pk, erasure.scope, erasure.chunks, len(ids), held, files,
        )
        if progress == "done":
            return
        size = chunk_size_next(size, held, aim=aim, limit=limit)
        time.sleep((time.monotonic() - began) * settings.ERASE_PAUSE_PERCENT / 100)


def chunk_size_next(size, held, *, aim, limit):
    """How many ids the next chunk takes after one of `size` ids held its transaction `held` seconds:
    as many as fit in `aim` seconds at that cost, at most twice as many, between 1 and `limit`."""
    fits = size * aim / held if held > 0 else limit
    return max(1, min(limit, 2 * size, int(fits)))


def _advance(erasure, part, progress, counts, chunk=True):
    """Add a chunk's counts and where it stopped, with a fresh lease, to the erasure's row."""
    erasure.counts = dict(Counter(erasure.counts) + Counter({k: v for k, v in counts.items() if v}))
    erasure.progress = {**erasure.progress, str(part): progress}
    erasure.chunks += int(chunk)
    erasure.lease_expires_at = timezone.now() + LEASE
    erasure.save(update_fields=["counts", "progress", "chunks", "lease_expires_at"])


def _done(erasure, counts):
    total = dict(sorted((Counter(erasure.counts) + Counter({k: v for k, v in counts.items() if v})).items()))
    Erasure.objects.filter(pk=erasure.pk).update(
        status=Erasure.Status.DONE, counts=total, finished_at=timezone.now(), lease_expires_at=None
    )
    return total


def erasure_retry(erasure):
    """Queue an erasure that gave up again, from where it stopped. True if it was failed."""
    retried = Erasure.objects.filter(pk=erasure.pk, status=Erasure.Status.FAILED).update(
        status=Erasure.Status.QUEUED, attempts=0, lease_expires_at=None
    )
    if retried:
        enqueue(ERASE_TASK, str(erasure.record_id))
    return bool(retried)


def erasures_sweep(now=None):
    """Queue again the erasures whose task was lost: waiting for over a minute, or past their lease."""
    now = now or timezone.now()
    lost = Q(status=Erasure.Status.QUEUED, created_at__lt=now - timedelta(minutes=1)) | Q(
        status=Erasure.Status.RUNNING, lease_expires_at__lt=now
    )
    records = list(Erasure.objects.filter(lost).values_list("record_id", flat=True).distinct()[:100])
    for record_id in records:
        enqueue(ERASE_TASK, str(record_id))
    return len(records)
