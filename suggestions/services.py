"""Media operations shared by the pages, the API, the admin and the workers."""

import hashlib
import logging
import os
from datetime import timedelta, timezone as dt_timezone

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from consent.scopes import FACES, LIBRARY, SCOPES, SYNC, TIME
from consent.services import ScopeNotGranted, active_grants, library_holders, scope_guard
from rollweb.leases import lease_claim
from rollweb.queue import enqueue

from . import feed, pipeline
from .analysis import UnreadableMedia, images
from .analysis.filetypes import HEAD_BYTES, HEIC, HEIF, SUPPORTED, carries_archive, sniff
from .analysis.heif import heif_complete
from .erasure import erase_item_copies
from .models import Face, MediaItem, ProcessingRecord, Tombstone
from .people import PeopleError, face_detach, people_merge, people_recluster, person_update  # noqa: F401 (the API calls these)
from .storage import delete_files

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
ANALYZE_MEDIA = "suggestions.tasks.analyze_media"
CHUNK = 1024 * 1024


class UploadRefused(Exception):
    """An upload that is not kept; `status` is the HTTP status, the message is for the person."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class MediaGone(Exception):
    """The item was deleted (or its library erased) while it was being analysed."""


def _fingerprint(upload):
    """sha256, first bytes and size of an upload, reading it in chunks if the handler did not."""
    if hasattr(upload, "sha256") and hasattr(upload, "head"):
        return upload.sha256, upload.head, upload.size
    hasher, head, size = hashlib.sha256(), b"", 0
    upload.seek(0)
    for chunk in upload.chunks(CHUNK):
        hasher.update(chunk)
        size += len(chunk)
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
    upload.seek(0)
    return hasher.hexdigest(), head, size


def clean_name(name):
    """A file name as the person knew it, without any folder part or control characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:255] or "untitled"


def media_upload(
    user, upload, *, client_sha256="", name="", automatic=False, device_asset_id="", captured_hint=None
):
    """Keep an uploaded file. Returns (item, created); raises UploadRefused.

    The same bytes uploaded twice by one person are one item: the second upload returns the
    first item and stores nothing. `captured_hint` (a datetime, aware when the device knows
    its offset) is the device's word for when it was taken: kept only under consent to time,
    and only until the file's own capture time is read.
    """
    grants = active_grants(user.pk)
    if LIBRARY not in grants:
        raise UploadRefused(403, f"Turn on “{SCOPES[LIBRARY].title}” on your privacy page before uploading.")
    if automatic and SYNC not in grants:
        raise UploadRefused(403, f"Automatic uploads need “{SCOPES[SYNC].title}” turned on.")
    sha256, head, size = _fingerprint(upload)
    if size == 0:
        raise UploadRefused(400, "The file is empty.")
    if size > settings.MAX_UPLOAD_BYTES:
        raise UploadRefused(413, too_large_message())
    if client_sha256 and client_sha256.strip().lower() != sha256:
        raise UploadRefused(400, "The file does not match the sha256 sent with it, so nothing was stored.")
    filetype = sniff(head)
    if filetype is None:
        raise UploadRefused(400, f"This is not a photo or video rollweb can keep ({SUPPORTED}).")

    existing = MediaItem.objects.filter(owner=user, sha256=sha256).first()
    if existing is not None:
        return existing, False
    if automatic and Tombstone.objects.filter(owner=user, sha256=sha256).exists():
        raise UploadRefused(409, "You deleted this file from rollweb, so it is not uploaded again automatically.")
    if carries_archive(upload):
        raise UploadRefused(400, "The file has an archive hidden inside it, so it was not kept.")
    if filetype in (HEIC, HEIF) and not heif_complete(upload, size):
        raise UploadRefused(400, "The file is incomplete: it ends before the picture does, so it was not kept.")
    if filetype.kind == MediaItem.Kind.PHOTO:
        try:
            images.open_image(upload, settings.MAX_IMAGE_PIXELS)
        except UnreadableMedia as exc:
            raise UploadRefused(400, str(exc)) from None
        finally:
            upload.seek(0)

    started = timezone.now()
    item = MediaItem(
        owner=user,
        kind=filetype.kind,
        mime=filetype.mime,
        bytes=size,
        sha256=sha256,
        original_name=clean_name(name or upload.name),
        automatic=automatic,
        device_asset_id=device_asset_id[:255],
    )
    try:
        item.original.save(f"original.{filetype.extension}", File(upload), save=False)
    except Exception:
        logger.exception("storage refused an upload")
        delete_files_quietly([item.original.name])
        raise UploadRefused(503, "Storage is unavailable right now, so nothing was kept. Please try again shortly.")
    try:
        with scope_guard(user.pk) as held:
            item.save()
            Tombstone.objects.filter(owner=user, sha256=sha256).delete()
            ProcessingRecord.objects.create(
                media=item,
                stage="store",
                outcome=ProcessingRecord.Outcome.DONE,
                scopes=[LIBRARY],
                grant_ids=[str(grant.receipt_id) for grant in held.values()],
                started_at=started,
                finished_at=timezone.now(),
                detail=f"Stored the original privately ({filetype.mime}, {size:,} bytes), checked by its content.",
            )
            if captured_hint is not None:
                _keep_capture_hint(item, captured_hint, held)
            enqueue(ANALYZE_MEDIA, item.pk)
    except ScopeNotGranted:
        delete_files_quietly([item.original.name])
        raise UploadRefused(403, f"“{SCOPES[LIBRARY].title}” was turned off, so nothing was kept.") from None
    except IntegrityError:
        # The same file arrived twice at once; the other request kept it.
        delete_files_quietly([item.original.name])
        return MediaItem.objects.get(owner=user, sha256=sha256), False
    return item, True


def _keep_capture_hint(item, hint, held):
    """Inside the upload's scope_guard: the consent record is locked, so this check holds."""
    now = timezone.now()
    grants = active_grants(item.owner_id)
    record = dict(media=item, stage="capture_hint", started_at=now, finished_at=now)
    if TIME not in grants:
        ProcessingRecord.objects.create(
            **record, outcome=ProcessingRecord.Outcome.SKIPPED, scopes=[LIBRARY],
            grant_ids=[str(held[LIBRARY].receipt_id)], detail=f"Your device sent a capture time; not kept: "
            f"no consent to “{SCOPES[TIME].title}”.",
        )
        return
    if hint.tzinfo is None:
        item.captured_at, item.captured_offset = hint.replace(tzinfo=dt_timezone.utc), None
    else:
        item.captured_at, item.captured_offset = hint, int(hint.utcoffset().total_seconds() // 60)
    item.save(update_fields=["captured_at", "captured_offset"])
    ProcessingRecord.objects.create(
        **record, outcome=ProcessingRecord.Outcome.DONE, scopes=[LIBRARY, TIME],
        grant_ids=[str(grants[key].receipt_id) for key in (LIBRARY, TIME)],
        detail=f"Kept the capture time your device sent ({hint.isoformat()}) until the file's own is read.",
    )


def media_check(user, hashes):
    """Sort a device's sha256 values into missing, present and deleted, in one query.

    Plain SQL: the ORM prepares each of up to 2 × 5,000 parameters one by one, which costs
    more than running the query.
    """
    wanted = list(dict.fromkeys(hashes))
    found = {}
    if wanted:
        marks = ", ".join(["%s"] * len(wanted))
        sql = (
            f"SELECT sha256, 'present' FROM {MediaItem._meta.db_table} WHERE owner_id = %s AND sha256 IN ({marks}) "
            f"UNION ALL "
            f"SELECT sha256, 'deleted' FROM {Tombstone._meta.db_table} WHERE owner_id = %s AND sha256 IN ({marks})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [user.pk, *wanted, user.pk, *wanted])
            for sha256, where in cursor.fetchall():
                if where == "present" or sha256 not in found:
                    found[sha256] = where
    answer = {"missing": [], "present": [], "deleted": []}
    for sha256 in wanted:
        answer[found.get(sha256, "missing")].append(sha256)
    return answer


def too_large_message():
    return f"The file is larger than the {settings.MAX_UPLOAD_BYTES / 2**20:,.0f} MB limit."


def delete_files_quietly(names):
    try:
        delete_files(names)
    except Exception:
        logger.exception("could not delete %s", names)


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
    source = pipeline.source_for(item, active_grants(item.owner_id))
    try:
        for stage in pipeline.stages_for(item.kind):
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
    except Exception:
        # Possibly transient (database, storage): release the claim so the sweeper tries again;
        # after MAX_ATTEMPTS claims the item is marked failed rather than retried forever.
        MediaItem.objects.filter(pk=item.pk, status=MediaItem.Status.PROCESSING).update(
            status=MediaItem.Status.UPLOADED, lease_expires_at=None
        )
        raise
    else:
        _finish(item, MediaItem.Status.ANALYZED)
        feed.suggestions_refresh_soon(item.owner_id)
    finally:
        source.close()
    return MediaItem.objects.filter(pk=item_id).first()


def broker_backlog():
    """How many tasks wait in the queue, or None when the broker cannot be asked."""
    from rollweb.celery import app

    try:
        with app.connection_for_write() as conn:
            declared = conn.default_channel.queue_declare(queue=settings.CELERY_TASK_DEFAULT_QUEUE, passive=True)
            return declared.message_count
    except Exception:
        return None


def media_requeue_stuck(now=None):
    """Re-queue items whose task was lost (never queued, or its worker died). Returns the ids.

    An item still waiting to be analysed counts as lost only while the queue is empty: during
    a large sync thousands wait their turn, and queuing each again every sweep would only add
    work. Items of a person whose `library` consent is not in force are left waiting.
    """
    now = now or timezone.now()
    quiet = now - timedelta(seconds=settings.REQUEUE_AFTER_SECONDS)
    lost = Q(status=MediaItem.Status.PROCESSING, lease_expires_at__lt=now)
    if not broker_backlog():
        lost |= Q(status=MediaItem.Status.UPLOADED, updated_at__lt=quiet)
    ids = list(
        MediaItem.objects.filter(lost, owner_id__in=library_holders())
        .order_by("updated_at")
        .values_list("pk", flat=True)[:1000]
    )
    for item_id in ids:
        enqueue(ANALYZE_MEDIA, item_id)
    return ids


def media_retry(item):
    """Analyse a failed item again from the start (the operators' "retry")."""
    updated = MediaItem.objects.filter(pk=item.pk, status=MediaItem.Status.FAILED).update(
        status=MediaItem.Status.UPLOADED, failure_reason="", attempts=0, lease_expires_at=None
    )
    if updated:
        enqueue(ANALYZE_MEDIA, item.pk)
    return bool(updated)


def media_delete(item):
    """Delete an item, everything derived from it and its stored files; keep a tombstone."""
    with transaction.atomic():
        names = item.stored_files()
        Tombstone.objects.get_or_create(owner_id=item.owner_id, sha256=item.sha256)
        erase_item_copies(item)
        item.delete()
        derived_tidy(item.owner_id, burst=item.burst)
        transaction.on_commit(lambda: delete_files(names))


def derived_tidy(owner_id, burst=""):
    """What spans items loses one: a burst left with one frame, an empty person, a home."""
    from .bursts import burst_tidy
    from .home import home_refresh
    from .people import people_tidy

    if burst:
        burst_tidy(owner_id, burst)
    people_tidy(owner_id)
    home_refresh(owner_id)



def people_owners():
    """Ids of the people whose faces may be re-grouped: face recognition on and faces found."""
    from consent.models import Grant

    with_consent = Grant.objects.current().filter(scope=FACES).values_list("record__user_id", flat=True)
    return sorted(set(Face.objects.filter(media__owner_id__in=with_consent).values_list("media__owner_id", flat=True)))


def people_recluster_if_allowed(user_id):
    """Re-group one person's faces when face recognition is in force for them."""
    try:
        return people_recluster(user_id)
    except ScopeNotGranted:
        return {}


# The suggestion operations live in feed.py; the API and the pages may reach them from here too.
suggestion_save = feed.suggestion_save
suggestion_dismiss = feed.suggestion_dismiss
suggestion_seen = feed.suggestion_seen
suggestions_refresh = feed.suggestions_refresh


def last_uploads(user_ids):
    """{user_id: time of their latest upload}: uploading counts as activity (face data retention)."""
    rows = MediaItem.objects.filter(owner_id__in=user_ids).values("owner_id").annotate(last=Max("created_at"))
    return {row["owner_id"]: row["last"] for row in rows}
