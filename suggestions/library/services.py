"""The library's writes, shared by the pages, the API, the admin and the workers: upload, delete,
retry, and re-queue what was lost."""

import hashlib
import logging
import os
from datetime import timedelta, timezone as dt_timezone

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from consent.export import erase_exports
from consent.scopes import LIBRARY, SCOPES, SYNC, TIME
from consent.services import ScopeNotGranted, active_grants, library_holders, scope_guard
from rollweb import queue
from rollweb.queue import enqueue
from rollweb.storage import delete_files

from ..analysis import UnreadableMedia, images
from ..analysis.filetypes import HEAD_BYTES, HEIC, HEIF, SUPPORTED, carries_archive, sniff
from ..analysis.heif import heif_complete
from ..models import MediaItem, ProcessingRecord, Tombstone
from . import pipeline
from .bursts import burst_tidy
from .changes import library_changed
from .home import home_refresh
from .signals import media_deleted, media_deleting

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024


class UploadRefused(Exception):
    """An upload that is not kept; `status` is the HTTP status, the message is for the person."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


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


def _fingerprint_checked(user, upload, grants, client_sha256, automatic):
    """(sha256, size, file type) of an upload that may be kept; raises UploadRefused."""
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
    return sha256, size, filetype


def _content_checked(user, upload, sha256, size, filetype, automatic):
    """Refuse what is not kept even though its type is right (raises UploadRefused)."""
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


def media_upload(
    user, upload, *, client_sha256="", name="", automatic=False, device_asset_id="", captured_hint=None
):
    """Keep an uploaded file. Returns (item, created); raises UploadRefused.

    The same bytes uploaded twice by one person are one item: the second upload returns the
    first item and stores nothing. `captured_hint` (a datetime, aware when the device knows
    its offset) is the device's word for when it was taken: kept only under consent to time,
    and only until the file's own capture time is read.
    """
    sha256, size, filetype = _fingerprint_checked(user, upload, active_grants(user.pk), client_sha256, automatic)
    existing = MediaItem.objects.filter(owner=user, sha256=sha256).first()
    if existing is not None:
        return existing, False
    _content_checked(user, upload, sha256, size, filetype, automatic)
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
        _item_keep(item, started, captured_hint)
    except ScopeNotGranted:
        delete_files_quietly([item.original.name])
        raise UploadRefused(403, f"“{SCOPES[LIBRARY].title}” was turned off, so nothing was kept.") from None
    except IntegrityError:
        # The same file arrived twice at once; the other request kept it.
        delete_files_quietly([item.original.name])
        return MediaItem.objects.get(owner=user, sha256=sha256), False
    return item, True


def _item_keep(item, started, captured_hint):
    """Save a new item with its first ledger record while `library` holds, and queue its analysis."""
    with scope_guard(item.owner_id) as held:
        item.save()
        Tombstone.objects.filter(owner_id=item.owner_id, sha256=item.sha256).delete()
        ProcessingRecord.objects.create(
            media=item,
            stage="store",
            outcome=ProcessingRecord.Outcome.DONE,
            scopes=[LIBRARY],
            grant_ids=[str(grant.receipt_id) for grant in held.values()],
            started_at=started,
            finished_at=timezone.now(),
            detail=f"Stored the original privately ({item.mime}, {item.bytes:,} bytes), checked by its content.",
        )
        if captured_hint is not None:
            _keep_capture_hint(item, captured_hint, held)
        library_changed(item.owner_id)
        enqueue(pipeline.INGEST_NEXT)


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


def too_large_message():
    return f"The file is larger than the {settings.MAX_UPLOAD_BYTES / 2**20:,.0f} MB limit."


def delete_files_quietly(names):
    try:
        delete_files(names)
    except Exception:
        logger.exception("could not delete %s", names)


def media_requeue_stuck(now=None):
    """Queue again the turns of items whose task was lost (never queued, or its worker died), for
    the pass each waits for. Returns the ids.

    An item still waiting for a pass counts as lost only while that pass's queue is empty: during
    a large sync thousands wait their turn, and queuing each again every sweep would only add
    work. Items of a person whose `library` consent is not in force are left waiting.
    """
    now = now or timezone.now()
    quiet = now - timedelta(seconds=settings.REQUEUE_AFTER_SECONDS)
    ids = []
    for pass_name, task in pipeline.NEXT_TASK.items():
        waiting = pipeline.claimable(pass_name, now)
        lost = waiting & Q(lease_expires_at__isnull=False)
        if not queue.backlog(pass_name):
            lost = waiting & (Q(lease_expires_at__isnull=False) | Q(updated_at__lt=quiet))
        found = list(
            MediaItem.objects.filter(lost, owner_id__in=library_holders())
            .order_by("updated_at")
            .values_list("pk", flat=True)[:1000]
        )
        for _ in found:
            enqueue(task)
        ids += found
    return ids


def media_retry(item):
    """Analyse a failed item again from the start (the operators' "retry")."""
    updated = MediaItem.objects.filter(pk=item.pk, status=MediaItem.Status.FAILED).update(
        status=MediaItem.Status.UPLOADED, analysis_pass=MediaItem.Pass.NONE, failure_reason="", attempts=0,
        lease_expires_at=None,
    )
    if updated:
        library_changed(item.owner_id)
        enqueue(pipeline.INGEST_NEXT)
    return bool(updated)


def media_delete(item):
    """Delete an item, everything derived from it and its stored files; keep a tombstone."""
    with transaction.atomic():
        names = item.stored_files()
        Tombstone.objects.get_or_create(owner_id=item.owner_id, sha256=item.sha256)
        media_deleting.send(sender=MediaItem, item=item)
        erase_exports(item.owner)  # a person's exports hold copies of everything
        item.delete()
        library_changed(item.owner_id)
        derived_tidy(item.owner_id, burst=item.burst)
        transaction.on_commit(lambda: delete_files(names))


def media_delete_many(user, ids):
    """Delete the person's items among `ids`, each as media_delete does; ids of no item of
    theirs (another person's, or already gone) are ignored. Returns the ids deleted."""
    deleted = []
    for item in MediaItem.objects.owned_by(user).filter(pk__in=list(ids)).order_by("pk"):
        deleted.append(item.pk)  # before the delete sets it to None
        media_delete(item)
    return deleted


def derived_tidy(owner_id, burst=""):
    """What spans items loses one: a burst left with one frame, an empty person, a home."""
    if burst:
        burst_tidy(owner_id, burst)
    media_deleted.send(sender=MediaItem, owner_id=owner_id)
    home_refresh(owner_id)
