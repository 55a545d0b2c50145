"""Granting a scope later runs just that scope's stages over what is already stored.

A backfill walks the owner's items in id order, a batch per task, so new uploads keep being
analysed meanwhile; its row records progress for the library page. Each stage still checks
consent when it runs and writes under the scope guard, so a revoke stops it cleanly.
"""

import logging
from datetime import timedelta

from django.db.models import F, Max
from django.utils import timezone

from consent import scopes
from consent.services import active_grants
from rollweb.queue import enqueue

from ..analysis import UnreadableMedia
from ..models import Backfill, MediaItem, ProcessingRecord
from . import registry
from .pipeline import MediaGone, stage_run
from .source import source_for
from .signals import analysis_finished

logger = logging.getLogger(__name__)

BACKFILL_SCOPES = (scopes.TIME, scopes.LOCATION, scopes.FACES, scopes.THEMES)
BATCH = 10
BACKFILL_STEP = "suggestions.tasks.backfill_step"
ELIGIBLE = (MediaItem.Status.ANALYZED, MediaItem.Status.PROCESSING)
LABELS = {
    scopes.TIME: "Reading when your photos and videos were taken",
    scopes.LOCATION: "Finding where your photos and videos were taken",
    scopes.FACES: "Finding faces and grouping people",
    scopes.THEMES: "Measuring quality and finding near-duplicates",
}


def _eligible(owner_id, scope):
    kinds = [kind for kind in MediaItem.Kind.values if registry.stages_for(kind, scope)]
    return MediaItem.objects.filter(owner_id=owner_id, kind__in=kinds, status__in=ELIGIBLE)


def backfill_start(owner_id, scope):
    """Start running `scope`'s stages over the owner's stored items; None when there is nothing to do."""
    if scope not in BACKFILL_SCOPES:
        return None
    now = timezone.now()
    Backfill.objects.filter(owner_id=owner_id, scope=scope, state=Backfill.State.RUNNING).update(
        state=Backfill.State.STOPPED, finished_at=now
    )
    items = _eligible(owner_id, scope)
    total = items.count()
    if not total:
        return None
    backfill = Backfill.objects.create(
        owner_id=owner_id, scope=scope, total=total, until_media_id=items.aggregate(Max("pk"))["pk__max"]
    )
    enqueue(BACKFILL_STEP, backfill.pk)
    return backfill


def backfill_on_grant(sender, user, scopes, **kwargs):
    """Receiver of consent.signals.scopes_granted."""
    for scope in scopes:
        backfill_start(user.pk, scope)


def _running(backfill_id):
    return Backfill.objects.filter(pk=backfill_id, state=Backfill.State.RUNNING).first()


def backfill_step(backfill_id, batch=BATCH):
    """Process the next batch of a backfill, then queue the next one. Safe to deliver twice."""
    backfill = _running(backfill_id)
    if backfill is None:
        return
    grant = active_grants(backfill.owner_id).get(backfill.scope)
    if grant is None:
        Backfill.objects.filter(pk=backfill.pk).update(state=Backfill.State.STOPPED, finished_at=timezone.now())
        return
    items = list(
        _eligible(backfill.owner_id, backfill.scope)
        .filter(pk__gt=backfill.last_media_id, pk__lte=backfill.until_media_id)
        .order_by("pk")[:batch]
    )
    for item in items:
        if _running(backfill_id) is None or backfill.scope not in active_grants(backfill.owner_id):
            return
        _backfill_item(item, backfill.scope, grant.granted_at)
        Backfill.objects.filter(pk=backfill.pk, last_media_id__lt=item.pk).update(
            last_media_id=item.pk, done=F("done") + 1, progressed_at=timezone.now()
        )
    if len(items) < batch:
        if Backfill.objects.filter(pk=backfill.pk, state=Backfill.State.RUNNING).update(
            state=Backfill.State.DONE, finished_at=timezone.now(), done=F("total")
        ):
            analysis_finished.send(sender=Backfill, owner_id=backfill.owner_id)
    else:
        enqueue(BACKFILL_STEP, backfill.pk)


def _backfill_item(item, scope, since):
    done = set(
        ProcessingRecord.objects.filter(
            media=item, outcome=ProcessingRecord.Outcome.DONE, started_at__gte=since
        ).values_list("stage", flat=True)
    )
    needed = [stage for stage in registry.stages_for(item.kind, scope) if stage.name not in done]
    if not needed:
        return
    source = source_for(item, {scope})
    try:
        for stage in needed:
            stage_run(item, stage, source)
    except (MediaGone, UnreadableMedia):
        pass  # deleted meanwhile, or a failure already recorded in its ledger
    except Exception:
        # One item must not stall the rest; the item keeps what it had.
        logger.exception("backfill of %s failed on item %s", scope, item.pk)
    finally:
        source.close()


def backfill_requeue_stalled(now=None, quiet=timedelta(minutes=10)):
    """Queue again the backfills whose task was lost (never queued, or its worker died)."""
    now = now or timezone.now()
    stalled = list(
        Backfill.objects.filter(state=Backfill.State.RUNNING, progressed_at__lt=now - quiet).values_list("pk", flat=True)
    )
    for backfill_id in stalled:
        Backfill.objects.filter(pk=backfill_id).update(progressed_at=now)
        enqueue(BACKFILL_STEP, backfill_id)
    return stalled
