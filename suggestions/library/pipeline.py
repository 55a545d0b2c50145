"""Running the analysis pipeline: claim an item, open its original once, run every registered
stage under its consent scope, record each in the item's ledger, and tell the features it is done."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import F
from django.utils import timezone

from consent import scopes
from consent.scopes import LIBRARY, SCOPES
from consent.services import ScopeNotGranted, active_grants, scope_guard
from rollweb import metrics
from rollweb.leases import lease_claim

from ..analysis import UnreadableMedia, faces, images, metadata, video
from ..models import MediaItem, ProcessingRecord
from . import registry
from .signals import analysis_finished

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


class MediaSource:
    """Opens an item's original once and caches what several stages read from it.

    `side` is the long side the stages will need: decode_side() when faces are looked for,
    far less otherwise (a decode's cost grows with its pixels)."""

    def __init__(self, item, side=None):
        self.item = item
        self.side = side or decode_side()
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


def source_for(item, grants):
    """A MediaSource that decodes only as many pixels as the stages in force need."""
    return MediaSource(item, decode_side() if scopes.FACES in grants else images.THUMB_LARGE)


class MediaGone(Exception):
    """The item was deleted (or its library erased) while it was being analysed."""


def media_claim(item_id, now=None):
    """Claim an item for analysis; None if it is gone, done, or another worker holds it.

    A conditional UPDATE decides, so two deliveries of the same task never both work on it.
    An item claimed MAX_ATTEMPTS times without finishing is marked failed instead.
    """
    now = now or timezone.now()
    claimed = lease_claim(
        MediaItem, item_id, statuses=(MediaItem.Status.UPLOADED, MediaItem.Status.PROCESSING, MediaItem.Status.FAILED),
        lease=timedelta(seconds=settings.PROCESSING_LEASE_SECONDS), max_attempts=MAX_ATTEMPTS, now=now,
        gave_up=dict(
            failure_reason=f"Analysis did not finish after {MAX_ATTEMPTS} attempts. An operator can retry it.",
            analyzed_at=now,
        ),
    )
    if not claimed:
        return None
    return MediaItem.objects.filter(pk=item_id).first()


def _finish(item, status, reason=""):
    MediaItem.objects.filter(pk=item.pk, status=MediaItem.Status.PROCESSING).update(
        status=status, failure_reason=reason[:300], analyzed_at=timezone.now(), lease_expires_at=None
    )


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
            _record(item, stage, ProcessingRecord.Outcome.DONE, held, started, detail)
    except ScopeNotGranted as exc:
        if exc.scope == LIBRARY:
            raise MediaGone(item.pk) from None
        detail = f"Stopped: consent to “{SCOPES[stage.scope].title}” was withdrawn while this ran, so nothing was kept."
        _record(item, stage, ProcessingRecord.Outcome.SKIPPED, active_grants(item.owner_id), started, detail)


def skip_detail(scope_key):
    return f"Skipped: no consent to “{SCOPES[scope_key].title}”."


def media_analyze(item_id):
    """Claim an item and run every stage for it. Safe to call twice for the same item."""
    item = media_claim(item_id)
    if item is None:
        return None
    source = source_for(item, active_grants(item.owner_id))
    try:
        for stage in registry.stages_for(item.kind):
            stage_run(item, stage, source)
    except MediaGone:
        # Deleted, or `library` is paused (its notice changed): then the item waits, unclaimed
        # and without spending an attempt, until the person agrees again and the sweeper finds it.
        MediaItem.objects.filter(pk=item.pk, status=MediaItem.Status.PROCESSING).update(
            status=MediaItem.Status.UPLOADED, lease_expires_at=None, attempts=F("attempts") - 1
        )
        return None
    except UnreadableMedia as exc:
        _finish(item, MediaItem.Status.FAILED, str(exc))
        metrics.item_failed("unreadable")
    except Exception:
        # Possibly transient (database, storage): release the claim so the sweeper tries again;
        # after MAX_ATTEMPTS claims the item is marked failed rather than retried forever.
        MediaItem.objects.filter(pk=item.pk, status=MediaItem.Status.PROCESSING).update(
            status=MediaItem.Status.UPLOADED, lease_expires_at=None
        )
        raise
    else:
        _finish(item, MediaItem.Status.ANALYZED)
        metrics.item_analyzed()
        analysis_finished.send(sender=MediaItem, owner_id=item.owner_id)
    finally:
        source.close()
    return MediaItem.objects.filter(pk=item_id).first()
