"""Running the analysis pipeline: claim an item for a pass, open its original once, run that
pass's registered stages under their consent scopes, record each in the item's ledger, and tell
the features a pass is done. Items are taken fairly per person (fair_next), not in upload order.
The second pass follows the first in the same turn when it has nothing to do or nothing else waits."""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from consent.scopes import LIBRARY, SCOPES
from consent.services import ScopeNotGranted, active_grants, library_holders, scope_guard
from rollweb import metrics, queue
from rollweb.leases import lease_claim
from rollweb.queue import enqueue

from ..analysis import UnreadableMedia
from ..models import MediaItem, ProcessingRecord
from . import registry
from .changes import library_changed
from .signals import analysis_finished
from .source import source_for

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


# A read of a person's grants this recent decides whether a stage starts (a pass's stages start
# within this of each other); what a stage keeps is checked again under the consent lock
# (scope_guard) when it is written, so a withdrawal in between still keeps nothing.
GRANTS_FRESH_SECONDS = 1.0


class OwnerGrants:
    """The grants in force for one person, read again when the last read is older than GRANTS_FRESH_SECONDS."""

    def __init__(self, owner_id):
        self.owner_id = owner_id
        self._grants = None
        self._read_at = 0.0

    def current(self):
        now = time.monotonic()
        if self._grants is None or now - self._read_at > GRANTS_FRESH_SECONDS:
            self._grants, self._read_at = active_grants(self.owner_id), now
        return self._grants


class MediaGone(Exception):
    """The item was deleted (or its library erased) while it was being analysed."""


INGEST_NEXT = "suggestions.tasks.ingest_next"
ANALYZE_NEXT = "suggestions.tasks.analyze_next"
NEXT_TASK = {registry.INGEST: INGEST_NEXT, registry.ANALYSIS: ANALYZE_NEXT}
# The pass an item must have finished before each pass, and the one that follows it.
BEFORE = {registry.INGEST: MediaItem.Pass.NONE, registry.ANALYSIS: MediaItem.Pass.INGEST}
AFTER = {MediaItem.Pass.NONE: registry.INGEST, MediaItem.Pass.INGEST: registry.ANALYSIS}
# Fairness looks at how many items of each person were started within this window.
FAIR_WINDOW = timedelta(minutes=10)


_MEDIA = MediaItem._meta.db_table
_WAITING_STATUSES = ", ".join(f"'{status}'" for status in (MediaItem.Status.UPLOADED, MediaItem.Status.PROCESSING))


def claimable(pass_name, now):
    """Items waiting for `pass_name`, or started on it by a worker whose lease ended, as a Q."""
    return Q(RawSQL(*_waiting_sql((pass_name,), now), output_field=BooleanField()))


def _waiting_sql(pass_names, now):
    """The one definition of claimable() (of any of `pass_names`): SQL and its parameters.
    Written out because fair_next and _alone ask it every turn, ingest_waiting every analysis
    turn, and the ORM's building of their queries cost several times what the database spends
    on them (≈2 ms of CPU a photo)."""
    one = (
        f"({_MEDIA}.analysis_pass = %s AND {_MEDIA}.status IN ({_WAITING_STATUSES}) "
        f"AND ({_MEDIA}.lease_expires_at IS NULL OR {_MEDIA}.lease_expires_at < %s))"
    )
    params = []
    for pass_name in pass_names:
        params += [BEFORE[pass_name], _db_time(now)]
    return f"({' OR '.join([one] * len(pass_names))})", params


def _db_time(moment):
    return connection.ops.adapt_datetimefield_value(moment)  # as the ORM would pass it


def _waiting_exists(pass_names, now, other_than=None):
    """Whether an item of someone whose `library` consent is in force waits for any of `pass_names`."""
    waiting, params = _waiting_sql(pass_names, now)
    holders = library_holders(now)
    sql = f"SELECT 1 FROM {_MEDIA} WHERE {waiting} AND owner_id IN ({holders.sql})"
    params += holders.params
    if other_than is not None:
        sql += " AND id <> %s"
        params.append(other_than)
    with connection.cursor() as cursor:
        cursor.execute(sql + " LIMIT 1", params)
        return cursor.fetchone() is not None


def media_claim(item_id, now=None, pass_name=None):
    """Claim an item for `pass_name` (default: its next pass); None if it is gone, done, or
    another worker holds it.

    A conditional UPDATE decides, so two deliveries never both work on it. An item claimed
    MAX_ATTEMPTS times in one pass without finishing is marked failed instead.
    """
    now = now or timezone.now()
    if pass_name is None:
        done = MediaItem.objects.filter(pk=item_id).values_list("analysis_pass", flat=True).first()
        pass_name = AFTER.get(done)
        if pass_name is None:
            return None
    claimed = lease_claim(
        MediaItem, item_id, statuses=(MediaItem.Status.UPLOADED, MediaItem.Status.PROCESSING, MediaItem.Status.FAILED),
        lease=timedelta(seconds=settings.PROCESSING_LEASE_SECONDS), max_attempts=MAX_ATTEMPTS, now=now,
        claimable=claimable(pass_name, now), claimed=dict(claimed_at=now),
        gave_up=dict(
            failure_reason=f"Analysis did not finish after {MAX_ATTEMPTS} attempts. An operator can retry it.",
            analyzed_at=now,
        ),
    )
    if not claimed:
        return None
    item = _media_item(item_id)
    if item is not None:
        library_changed(item.owner_id)
    return item


def _media_item(item_id):
    """The item as stored now, or None. Written out: read after every claim and every pass, and
    the ORM's building of the query cost more than twice the rest of the read."""
    return next(iter(MediaItem.objects.raw(f"SELECT * FROM {_MEDIA} WHERE id = %s", [item_id])), None)


def fair_next(pass_name, now=None):
    """The id of the item `pass_name` should start next, or None.

    Per person, fairly: the person with the least work (items started within FAIR_WINDOW plus
    items waiting) goes first, so someone's ten new photos start before the rest of another's
    20,000-item upload, and two large uploads take turns. Of that person's items, the newest
    (by capture time, else upload time) first. People whose `library` consent is not in force are
    left waiting. Written out, as _waiting_sql says.
    """
    now = now or timezone.now()
    waiting, params = _waiting_sql((pass_name,), now)
    holders = library_holders(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT owner_id, COUNT(*) FROM {_MEDIA} WHERE {waiting} AND owner_id IN ({holders.sql}) GROUP BY owner_id",
            [*params, *holders.params],
        )
        load = dict(cursor.fetchall())
        if not load:
            return None
        cursor.execute(
            f"SELECT owner_id, COUNT(*) FROM {_MEDIA} WHERE owner_id IN ({', '.join(['%s'] * len(load))}) "
            f"AND claimed_at >= %s GROUP BY owner_id",
            [*load, _db_time(now - FAIR_WINDOW)],
        )
        for owner_id, count in cursor.fetchall():
            load[owner_id] += count
        owner = min(load, key=lambda owner_id: (load[owner_id], owner_id))
        cursor.execute(
            f"SELECT id FROM {_MEDIA} WHERE {waiting} AND owner_id = %s "
            f"ORDER BY COALESCE(captured_at, created_at) DESC, id DESC LIMIT 1",
            [*params, owner],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _finish(item, status, reason=""):
    MediaItem.objects.filter(pk=item.pk, status=MediaItem.Status.PROCESSING).update(
        status=status, failure_reason=reason[:300], analyzed_at=timezone.now(), lease_expires_at=None
    )
    library_changed(item.owner_id)


def _record(item, stage, outcome, grants, started, detail, present=False):
    """`present`: the caller has just seen the item exist, inside the transaction this writes in."""
    if present or _present(item.pk):
        ProcessingRecord.objects.create(
            media_id=item.pk,
            stage=stage.name,
            outcome=outcome,
            scopes=sorted({LIBRARY, stage.scope}),
            grant_ids=[str(grants[key].receipt_id) for key in (LIBRARY, stage.scope) if key in grants],
            started_at=started,
            finished_at=timezone.now(),
            detail=detail[:300],
        )


def stage_run(item, stage, source, owner_grants=None):
    """Run one stage on one item: skipped without consent, written only while consent holds."""
    started = timezone.now()
    grants = (owner_grants or OwnerGrants(item.owner_id)).current()
    if LIBRARY not in grants:
        raise MediaGone(item.pk)
    if stage.scope not in grants:
        _record(item, stage, ProcessingRecord.Outcome.SKIPPED, grants, started, skip_detail(stage.scope))
        return
    try:
        with metrics.stage_timer(stage.name):
            result = stage.compute(source)
    except UnreadableMedia as exc:
        _record(item, stage, ProcessingRecord.Outcome.FAILED, grants, started, str(exc))
        raise
    try:
        with scope_guard(item.owner_id, stage.scope) as held:
            if not _present(item.pk):
                raise MediaGone(item.pk)
            detail = stage.write(item, result)
            _record(item, stage, ProcessingRecord.Outcome.DONE, held, started, detail, present=True)
    except ScopeNotGranted as exc:
        if exc.scope == LIBRARY:
            raise MediaGone(item.pk) from None
        detail = f"Stopped: consent to “{SCOPES[stage.scope].title}” was withdrawn while this ran, so nothing was kept."
        _record(item, stage, ProcessingRecord.Outcome.SKIPPED, active_grants(item.owner_id), started, detail)


def _present(item_id):
    """Whether the item still exists. Written out: asked before every stage's write, and the ORM's
    building of the query cost ten times what the database spends on it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {_MEDIA} WHERE id = %s", [item_id])
        return cursor.fetchone() is not None


def skip_detail(scope_key):
    return f"Skipped: no consent to “{SCOPES[scope_key].title}”."


def media_next(pass_name, now=None):
    """Start the next item of `pass_name` by the fair rule and run the pass; the item, or None.

    Each queued message is a turn, not an item: whichever item is due takes it. In a worker that
    also consumes the ingest queue, the first pass goes first, so a large upload is all dated and
    placed before faces are looked for: an analysis turn that finds ingest work waiting queues
    itself again and gives way to the ingest turns queued for that work (or, when none is queued,
    their messages lost, does the ingest work itself).
    """
    if pass_name == registry.ANALYSIS and queue.consumes(registry.INGEST) and ingest_waiting(now):
        enqueue(ANALYZE_NEXT)
        if queue.backlog(registry.INGEST):
            return None
        pass_name = registry.INGEST
    item = _next_claimed(pass_name, now)
    return None if item is None else media_pass(item, pass_name)


def ingest_waiting(now=None):
    """Whether any item fair_next(INGEST) could pick waits."""
    return _waiting_exists((registry.INGEST,), now or timezone.now())


def _next_claimed(pass_name, now, tries=5):
    for _ in range(tries):  # another worker may claim the same item first
        item_id = fair_next(pass_name, now)
        if item_id is None:
            return None
        item = media_claim(item_id, now, pass_name)
        if item is not None:
            return item
    return None


def media_analyze(item_id):
    """Claim an item and run every pass it has not done yet. Safe to call twice for the same item."""
    done = None
    while (item := media_claim(item_id)) is not None:
        done = media_pass(item, AFTER[item.analysis_pass])
        if done is None or done.status != MediaItem.Status.PROCESSING:
            break
    return done


def media_pass(item, pass_name):
    """Run the stages of one pass on a claimed item. Safe to call twice for the same item."""
    waiting = MediaItem.Status.UPLOADED if pass_name == registry.INGEST else MediaItem.Status.PROCESSING
    owner_grants = OwnerGrants(item.owner_id)
    # When nothing else waits, the second pass follows in this turn on the same decode (made large
    # enough for faces) instead of opening and decoding the original again in a turn of its own.
    alone = pass_name == registry.INGEST and _analysis_allowed(item, owner_grants) and _alone(item)
    source = source_for(item, owner_grants.current(), None if alone else pass_name)
    try:
        for stage in registry.stages_for(item.kind, pass_name=pass_name):
            stage_run(item, stage, source, owner_grants)
        if pass_name == registry.INGEST and (not _analysis_allowed(item, owner_grants) or alone and _alone(item)):
            # Either nothing of the second pass is allowed (its stages are recorded as skipped) or
            # no other item waits (so no one's turn comes later for it): done under this claim.
            _pass_done(item, pass_name, then=registry.ANALYSIS)
            waiting, pass_name = MediaItem.Status.PROCESSING, registry.ANALYSIS
            for stage in registry.stages_for(item.kind, pass_name=pass_name):
                stage_run(item, stage, source, owner_grants)
    except MediaGone:
        # Deleted, or `library` is paused (its notice changed): then the item waits, unclaimed
        # and without spending an attempt, until the person agrees again and the sweeper finds it.
        MediaItem.objects.filter(pk=item.pk, status=MediaItem.Status.PROCESSING).update(
            status=waiting, lease_expires_at=None, attempts=F("attempts") - 1
        )
        library_changed(item.owner_id)
        return None
    except UnreadableMedia as exc:
        _finish(item, MediaItem.Status.FAILED, str(exc))
        metrics.item_failed("unreadable")
    except Exception:
        # Possibly transient (database, storage): release the claim so the sweeper tries again;
        # after MAX_ATTEMPTS claims the item is marked failed rather than retried forever.
        MediaItem.objects.filter(pk=item.pk, status=MediaItem.Status.PROCESSING).update(
            status=waiting, lease_expires_at=None
        )
        library_changed(item.owner_id)
        raise
    else:
        _pass_done(item, pass_name)
    finally:
        source.close()
    return _media_item(item.pk)


def _analysis_allowed(item, owner_grants):
    return bool(registry.pass_scopes(registry.ANALYSIS, item.kind) & set(owner_grants.current()))


def _alone(item, now=None):
    """No item other than `item` waits for either pass (fair_next would find none)."""
    return not _waiting_exists((registry.INGEST, registry.ANALYSIS), now or timezone.now(), other_than=item.pk)


PASS_DETAIL = {
    registry.INGEST: "First pass done: stored, previewed, dated and placed; the item is in the library and in "
    "suggestions of time and place. Faces and themes follow in the second pass.",
    registry.ANALYSIS: "Second pass done: faces and themes, as far as consent allows. Analysis is complete.",
}


def _pass_done(item, pass_name, then=None):
    """Record `pass_name` done; `then`: the next pass follows in this same turn, under the same claim."""
    now = timezone.now()
    fields = dict(analysis_pass=pass_name, attempts=0, updated_at=now)
    if then is None:
        fields.update(lease_expires_at=None)
    if pass_name == registry.ANALYSIS:
        fields.update(status=MediaItem.Status.ANALYZED, analyzed_at=now, failure_reason="")
    if not MediaItem.objects.filter(pk=item.pk, status=MediaItem.Status.PROCESSING).update(**fields):
        return
    library_changed(item.owner_id)
    if pass_name == registry.ANALYSIS:
        metrics.item_analyzed()
    ProcessingRecord.objects.create(
        media_id=item.pk, stage=f"pass_{pass_name}", outcome=ProcessingRecord.Outcome.DONE, scopes=[LIBRARY],
        grant_ids=[], started_at=now, finished_at=now, detail=PASS_DETAIL[pass_name],
    )
    if pass_name == registry.INGEST and then is None:
        enqueue(ANALYZE_NEXT)
    drained = not MediaItem.objects.filter(
        owner_id=item.owner_id, status__in=(MediaItem.Status.UPLOADED, MediaItem.Status.PROCESSING),
        analysis_pass=BEFORE[pass_name],
    ).exists()
    analysis_finished.send(sender=MediaItem, owner_id=item.owner_id, pass_name=pass_name, drained=drained)
