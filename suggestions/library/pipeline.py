"""Running the analysis pipeline: claim an item for a pass, open its original once, run that
pass's registered stages under their consent scopes, record each in the item's ledger, and tell
the features a pass is done. Items are taken fairly per person (fair_next), not in upload order."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from consent import scopes
from consent.scopes import LIBRARY, SCOPES
from consent.services import ScopeNotGranted, active_grants, library_holders, scope_guard
from rollweb import metrics, queue
from rollweb.leases import lease_claim
from rollweb.queue import enqueue

from ..analysis import UnreadableMedia, faces, images, metadata, video
from ..models import MediaItem, ProcessingRecord
from . import registry
from .changes import library_changed
from .signals import analysis_finished

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


class MediaSource:
    """Opens an item's original once and caches what several stages read from it.

    `side` is the long side the stages will need: decode_side() when faces are looked for,
    far less otherwise (a decode's cost grows with its pixels)."""

    def __init__(self, item, side=None, stored_preview=False):
        self.item = item
        self.side = side or decode_side()
        self.stored_preview = stored_preview
        self._file = None
        self._image = None
        self._decoded = None
        self._preview = None
        self._exif = None
        self._video = None
        self._header = None

    def image(self):
        if self._image is None:
            self._file = default_storage.open(self.item.original.name, "rb")
            self._image = images.open_image(self._file, settings.MAX_IMAGE_PIXELS)
            self._header = images.header(self._image)
        return self._image

    def header(self):
        """The original's format and displayed size (read before a draft decode shrinks the image)."""
        self.image()
        return self._header

    def exif(self):
        if self._exif is None:
            self._exif = metadata.read_exif(self.image())
        return self._exif

    def decoded(self, side=None):
        """The picture as displayed (orientation applied), `side` (default: self.side) or more on
        its long side when the original is that large, but less than twice that (a draft decode's
        size). A stage needing more than was decoded (faces granted mid-run) gets a new decode."""
        side = side or self.side
        head = self.header()
        if self._decoded is not None and max(self._decoded.size) < min(side, max(head.width, head.height)):
            self._decoded = None
            self._file.close()
            self._file = self._image = None
        if self._decoded is None:
            image = self.image()
            self.exif()  # read before decoding: a draft decode may drop the parsed tags
            self._decoded = images.decode(image, max(side, self.side), exact=False)
            self.side = max(side, self.side)
            if self._decoded is not image:
                image.close()  # its pixels were turned or converted into the decode: free them
        return self._decoded

    def preview(self):
        """The large preview's pixels (THUMB_LARGE on the long side), made once for every stage
        that works at preview size or less."""
        if self._preview is None and self.stored_preview and self.item.thumb_large:
            # The second pass reads the preview the first one stored (its pixels, as displayed):
            # decoding 1280 px costs a fraction of resampling a full decode down to it again.
            with default_storage.open(self.item.thumb_large.name, "rb") as file:
                self._preview = images.decode(images.open_image(file, settings.MAX_IMAGE_PIXELS), images.THUMB_LARGE)
        if self._preview is None:
            self._preview = images.preview(self.decoded())
        return self._preview

    def video(self):
        """(open container, VideoInfo) of a video item."""
        if self._video is None:
            self._file = default_storage.open(self.item.original.name, "rb")
            container = video.open_video(self._file)
            try:
                self._video = (container, video.probe(container, settings.MAX_IMAGE_PIXELS))
            except Exception:
                container.close()
                raise
        return self._video

    def close(self):
        if self._video is not None:
            self._video[0].close()
        if self._file is not None:
            self._file.close()


def decode_side():
    """One decode serves every stage; faces need the most pixels (see analysis.faces)."""
    return max(images.THUMB_LARGE, faces.scan_limit(settings.FACE_MIN_FRACTION))


def source_for(item, grants, pass_name=None):
    """A MediaSource that decodes only as many pixels as the stages in force need."""
    faces_run = scopes.FACES in grants and pass_name in (None, registry.ANALYSIS)
    return MediaSource(
        item, decode_side() if faces_run else images.THUMB_LARGE, stored_preview=pass_name == registry.ANALYSIS
    )


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


def claimable(pass_name, now):
    """Items waiting for `pass_name`, or started on it by a worker whose lease ended."""
    return Q(
        status__in=(MediaItem.Status.UPLOADED, MediaItem.Status.PROCESSING), analysis_pass=BEFORE[pass_name]
    ) & (Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))


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
    item = MediaItem.objects.filter(pk=item_id).first()
    if item is not None:
        library_changed(item.owner_id)
    return item


def fair_next(pass_name, now=None):
    """The id of the item `pass_name` should start next, or None.

    Per person, fairly: the person with the least work (items started within FAIR_WINDOW plus
    items waiting) goes first, so someone's ten new photos start before the rest of another's
    20,000-item upload, and two large uploads take turns. Of that person's items, the newest
    (by capture time, else upload time) first. People whose `library` consent is not in force are
    left waiting.
    """
    now = now or timezone.now()
    waiting = MediaItem.objects.filter(claimable(pass_name, now), owner_id__in=library_holders())
    load = dict(waiting.order_by().values("owner_id").annotate(n=Count("id")).values_list("owner_id", "n"))
    if not load:
        return None
    started = (
        MediaItem.objects.filter(owner_id__in=list(load), claimed_at__gte=now - FAIR_WINDOW)
        .order_by().values("owner_id").annotate(n=Count("id")).values_list("owner_id", "n")
    )
    for owner_id, count in started:
        load[owner_id] += count
    owner = min(load, key=lambda owner_id: (load[owner_id], owner_id))
    return (
        waiting.filter(owner_id=owner).order_by(Coalesce("captured_at", "created_at").desc(), "-id")
        .values_list("pk", flat=True).first()
    )


def _finish(item, status, reason=""):
    MediaItem.objects.filter(pk=item.pk, status=MediaItem.Status.PROCESSING).update(
        status=status, failure_reason=reason[:300], analyzed_at=timezone.now(), lease_expires_at=None
    )
    library_changed(item.owner_id)


def _record(item, stage, outcome, grants, started, detail):
    if MediaItem.objects.filter(pk=item.pk).exists():
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


def stage_run(item, stage, source):
    """Run one stage on one item: skipped without consent, written only while consent holds."""
    started = timezone.now()
    grants = active_grants(item.owner_id)
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
            if not MediaItem.objects.filter(pk=item.pk).exists():
                raise MediaGone(item.pk)
            detail = stage.write(item, result)
            library_changed(item.owner_id)
            _record(item, stage, ProcessingRecord.Outcome.DONE, held, started, detail)
    except ScopeNotGranted as exc:
        if exc.scope == LIBRARY:
            raise MediaGone(item.pk) from None
        detail = f"Stopped: consent to “{SCOPES[stage.scope].title}” was withdrawn while this ran, so nothing was kept."
        _record(item, stage, ProcessingRecord.Outcome.SKIPPED, active_grants(item.owner_id), started, detail)


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
    if pass_name == registry.ANALYSIS and queue.consumes(registry.INGEST) and fair_next(registry.INGEST, now):
        enqueue(ANALYZE_NEXT)
        if queue.backlog(registry.INGEST):
            return None
        pass_name = registry.INGEST
    item = _next_claimed(pass_name, now)
    return None if item is None else media_pass(item, pass_name)


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
    source = source_for(item, active_grants(item.owner_id), pass_name)
    try:
        for stage in registry.stages_for(item.kind, pass_name=pass_name):
            stage_run(item, stage, source)
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
    return MediaItem.objects.filter(pk=item.pk).first()


PASS_DETAIL = {
    registry.INGEST: "First pass done: stored, previewed, dated and placed; the item is in the library and in "
    "suggestions of time and place. Faces and themes follow in the second pass.",
    registry.ANALYSIS: "Second pass done: faces and themes, as far as consent allows. Analysis is complete.",
}


def _pass_done(item, pass_name):
    now = timezone.now()
    fields = dict(analysis_pass=pass_name, lease_expires_at=None, attempts=0, updated_at=now)
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
    if pass_name == registry.INGEST:
        enqueue(ANALYZE_NEXT)
    drained = not MediaItem.objects.filter(
        owner_id=item.owner_id, status__in=(MediaItem.Status.UPLOADED, MediaItem.Status.PROCESSING),
        analysis_pass=BEFORE[pass_name],
    ).exists()
    analysis_finished.send(sender=MediaItem, owner_id=item.owner_id, pass_name=pass_name, drained=drained)
