"""Resumable uploads: a file sent in numbered chunks, in any order and again after a lost
connection, then put together, checked and kept by the ordinary upload (services.media_upload).

The client starts an upload (name, size, optionally its SHA-256), sends each chunk with its
index, asks which chunks the server has whenever it lost track, and completes it. Chunks wait
in storage (chunkstore.py), so any web machine can take the next one; an upload left
unfinished for UPLOAD_EXPIRY_SECONDS is dropped by the sweeper.
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import transaction
from django.utils import timezone

from consent.scopes import LIBRARY, SCOPES
from consent.services import active_grants

from ..analysis.filetypes import HEAD_BYTES
from ..models import ChunkedUpload, MediaItem
from . import chunkstore
from .services import UploadRefused, clean_name, media_upload, too_large_message

logger = logging.getLogger(__name__)


def _library_checked(user):
    if LIBRARY not in active_grants(user.pk):
        raise UploadRefused(403, f"Turn on “{SCOPES[LIBRARY].title}” on your privacy page before uploading.")


def resumable_start(user, name, size, sha256=""):
    """A new upload of `size` bytes; raises UploadRefused. When the person already has a file
    with this `sha256`, the upload is done at once and points at it: nothing needs sending."""
    _library_checked(user)
    if size <= 0:
        raise UploadRefused(400, "The file is empty.")
    if size > settings.MAX_UPLOAD_BYTES:
        raise UploadRefused(413, too_large_message())
    sha256 = (sha256 or "").strip().lower()
    upload = ChunkedUpload(owner=user, name=clean_name(name), size=size, chunk_size=settings.UPLOAD_CHUNK_BYTES,
                           sha256=sha256)
    existing = MediaItem.objects.filter(owner=user, sha256=sha256).first() if sha256 else None
    if existing is not None:
        upload.state, upload.media = ChunkedUpload.State.DONE, existing
    else:
        try:
            upload.multipart_id = chunkstore.store_begin(upload)
        except Exception:
            logger.exception("storage refused to start an upload")
            raise UploadRefused(503, "Storage is unavailable right now. Please try again shortly.") from None
    upload.save()
    return upload


def read_chunk(stream, expected, declared=None):
    """The body of one chunk: exactly `expected` bytes, read without holding more than one chunk."""
    if declared is not None and declared > expected:
        raise UploadRefused(413, f"This chunk may hold at most {expected:,} bytes.")
    data = stream.read(expected + 1)
    if len(data) > expected:
        raise UploadRefused(413, f"This chunk may hold at most {expected:,} bytes.")
    if len(data) < expected:
        raise UploadRefused(400, f"This chunk must hold {expected:,} bytes; {len(data):,} arrived.")
    return data


def resumable_chunk(upload, index, stream, declared=None):
    """Keep chunk `index` (in any order; a chunk the server has already is not stored again).
    Returns the upload as it now stands; raises UploadRefused."""
    if upload.state != ChunkedUpload.State.RECEIVING:
        raise UploadRefused(409, "This upload is complete; it takes no more chunks.")
    if not 0 <= index < upload.chunk_count:
        raise UploadRefused(400, f"Chunks of this upload are numbered 0 to {upload.chunk_count - 1}.")
    _library_checked(upload.owner)
    data = read_chunk(stream, upload.chunk_length(index), declared)
    if str(index) in upload.parts:
        return _count_only(upload, len(data))
    try:
        token = chunkstore.store_part(upload, index, data)
    except Exception:
        logger.exception("storage refused a chunk")
        raise UploadRefused(503, "Storage is unavailable right now; send this chunk again shortly.") from None
    with transaction.atomic():
        current = ChunkedUpload.objects.select_for_update().get(pk=upload.pk)
        current.bytes_received += len(data)
        if str(index) in current.parts:
            chunkstore.store_forget_part(current, token)
        else:
            current.parts[str(index)] = token
        current.save(update_fields=["parts", "bytes_received", "updated_at"])
    return current


def _count_only(upload, length):
    with transaction.atomic():
        current = ChunkedUpload.objects.select_for_update().get(pk=upload.pk)
        current.bytes_received += length
        current.save(update_fields=["bytes_received", "updated_at"])
    return current


def resumable_complete(upload, sha256=""):
    """Put the chunks together, check the hash and keep the file as any upload is kept.

    Returns (upload, created). A refusal (wrong hash, wrong type, no consent) drops the upload's
    chunks; storage being unavailable leaves them for another try."""
    if upload.state == ChunkedUpload.State.DONE:
        return upload, False
    if upload.missing:
        raise UploadRefused(409, f"Chunks {_ranges(upload.missing)} have not arrived yet.")
    claimed = ChunkedUpload.objects.filter(pk=upload.pk, state=ChunkedUpload.State.RECEIVING).update(
        state=ChunkedUpload.State.COMPLETING, updated_at=timezone.now()
    )
    if not claimed:
        raise UploadRefused(409, "This upload is being put together already.")
    try:
        item, created = _assemble_and_keep(upload, (sha256 or upload.sha256).strip().lower())
    except UploadRefused as refused:
        if refused.status == 503:
            ChunkedUpload.objects.filter(pk=upload.pk).update(state=ChunkedUpload.State.RECEIVING)
        else:
            resumable_drop(upload)
        raise
    chunkstore.store_drop(upload)
    upload.state, upload.media = ChunkedUpload.State.DONE, item
    upload.parts = {}
    upload.save(update_fields=["state", "media", "parts", "updated_at"])
    return upload, created


def _assemble_and_keep(upload, sha256):
    whole = TemporaryUploadedFile(upload.name, "application/octet-stream", upload.size, None)
    try:
        hasher, head = hashlib.sha256(), b""
        try:
            for piece in chunkstore.store_read(upload):
                hasher.update(piece)
                if len(head) < HEAD_BYTES:
                    head += piece[: HEAD_BYTES - len(head)]
                whole.write(piece)
        except Exception:
            logger.exception("could not read the chunks of upload %s back", upload.pk)
            raise UploadRefused(503, "Storage is unavailable right now. Please complete the upload again shortly.")
        whole.flush()
        whole.seek(0)
        whole.size = upload.size
        whole.sha256, whole.head = hasher.hexdigest(), head
        return media_upload(upload.owner, whole, client_sha256=sha256, name=upload.name)
    finally:
        whole.close()


def _ranges(indexes):
    shown = ", ".join(str(index) for index in indexes[:10])
    return shown + (f" and {len(indexes) - 10} more" if len(indexes) > 10 else "")


def resumable_drop(upload):
    """Forget an upload and delete its chunks (the client's cancel, a refusal, the sweeper)."""
    chunkstore.store_drop(upload)
    ChunkedUpload.objects.filter(pk=upload.pk).delete()


def resumable_sweep(now=None):
    """Drop uploads untouched for UPLOAD_EXPIRY_SECONDS, finished or not. Returns how many."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.UPLOAD_EXPIRY_SECONDS)
    dropped = 0
    for upload in ChunkedUpload.objects.filter(updated_at__lt=cutoff).order_by("updated_at")[:500]:
        try:
            resumable_drop(upload)
            dropped += 1
        except Exception:
            logger.exception("could not drop abandoned upload %s", upload.pk)
    return dropped


def resumable_erase(user):
    """Every upload of a person and its chunks (library withdrawn, account deleted)."""
    uploads = list(ChunkedUpload.objects.filter(owner=user))
    for upload in uploads:
        resumable_drop(upload)
    return len(uploads)
