"""Data exports: a zip of everything rollweb keeps about a person, streamed to storage.

`consent` does not know what other apps keep. Each app registers, in AppConfig.ready(), an
exporter: `count(user)` says how many steps it will take (for the progress bar) and
`write(user, archive)` adds its files and JSON to the archive, calling `archive.advance()`
as it goes. `consent` writes the consent history and the receipt itself.

The zip is written straight into storage through a write-only stream (multipart upload on
S3), one chunk at a time: neither the archive nor any file in it is held in memory.
"""

import json
import logging
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from rollweb.leases import lease_claim
from rollweb.queue import enqueue
from rollweb.storage import delete_files, files_under, user_prefix

from .models import ConsentEvent, ConsentRecord, Export, export_key
from .receipt import receipt_build

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Exporter:
    name: str
    count: Callable
    write: Callable
    readme: str = ""


_exporters = {}


def register_exporter(name, write, count=lambda user: 0, readme=""):
    _exporters[name] = Exporter(name=name, count=count, write=write, readme=readme)


def exporters():
    return list(_exporters.values())


def fields_json(instance, exclude=()):
    """Every stored field of a row, generically, so fields added later are exported too.

    Binary fields are never exported (a face signature is only meaningful to rollweb's model
    and is biometric data of whoever is pictured); files are listed by the caller under
    their place in the archive; relations appear as the related row's id.
    """
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude or isinstance(field, (models.BinaryField, models.FileField)):
            continue
        data[field.name] = getattr(instance, field.attname) if field.is_relation else field.value_from_object(instance)
    return data


def safe_name(name, fallback="untitled"):
    """A single path segment: no folders, no '..', nothing a zip tool could misplace."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[:200] or fallback


class _WriteOnly:
    """Hides seek/tell of a storage file, so zipfile streams (data descriptors) instead of
    seeking back: an S3 multipart upload cannot seek, and its tell() is not the offset."""

    def __init__(self, file):
        self._file = file

    def write(self, data):
        return self._file.write(data)

    def flush(self):
        pass


class Archive:
    """The zip being written, with the export's progress."""

    def __init__(self, stream, progress):
        self._zip = zipfile.ZipFile(_WriteOnly(stream), "w", allowZip64=True)
        self._names = set()
        self._progress = progress

    def unique(self, path):
        """`path`, or `path` with " (2)", " (3)"… before its extension if already taken."""
        if path not in self._names:
            self._names.add(path)
            return path
        folder, _, name = path.rpartition("/")
        stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
        number = 2
        while True:
            candidate = f"{folder}/{stem} ({number}){dot}{ext}" if folder else f"{stem} ({number}){dot}{ext}"
            if candidate not in self._names:
                self._names.add(candidate)
                return candidate
            number += 1

    def add_json(self, path, data):
        path = self.unique(path)
        text = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        self._zip.writestr(zipfile.ZipInfo(path, _now()), text.encode(), compress_type=zipfile.ZIP_DEFLATED)
        return path

    def add_text(self, path, text):
        path = self.unique(path)
        self._zip.writestr(zipfile.ZipInfo(path, _now()), text.encode(), compress_type=zipfile.ZIP_DEFLATED)
        return path

    def add_file(self, path, storage_name, size=None, modified=None):
        """Copy a stored file into the archive in chunks, as is (photos and videos are
        already compressed). Returns the path it got, or None when the file is missing."""
        steps = self.add_file_steps(path, storage_name, size, modified)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value

    def add_file_steps(self, path, storage_name, size=None, modified=None):
        """add_file, pausing after each chunk: a streamed HTTP answer sends what was written so far."""
        if not storage_name or not default_storage.exists(storage_name):
            return None
        path = self.unique(path)
        info = zipfile.ZipInfo(path, _zip_time(modified))
        info.compress_type = zipfile.ZIP_STORED
        info.file_size = size if size is not None else default_storage.size(storage_name)
        with default_storage.open(storage_name, "rb") as source, self._zip.open(info, "w") as target:
            while chunk := source.read(CHUNK):
                target.write(chunk)
                yield
        return path

    def advance(self, steps=1):
        self._progress(steps)

    def close(self):
        self._zip.close()


def _now():
    return _zip_time(None)


def _zip_time(moment):
    moment = moment or datetime.now()
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)


def storage_reserve(name):
    """Create an empty file to write into; returns the name storage gave it."""
    return default_storage.save(name, ContentFile(b""))


def storage_writer(name):
    return default_storage.open(name, "wb")


# -- the export job ------------------------------------------------------------------------

VALID_FOR = timedelta(hours=24)
LEASE = timedelta(minutes=30)
MAX_ATTEMPTS = 3
BUILD_EXPORT = "consent.tasks.build_export"

README = """Your rollweb data, exported on {date} (UTC).

This archive holds everything rollweb keeps about your account {username}.

{sections}
consent/history.json
    Every consent event of your account, oldest first: grants, withdrawals, expiries,
    erasures (with what was erased) and notice changes.
consent/receipt.json
    Your consent receipt (ISO/IEC TS 27560 fields): what you agreed to, under which
    notice, how long it is kept and how to withdraw.

Nothing in this archive was shared with anyone else.
"""


def export_request(user):
    """Start an export, or return the one already under way. Returns (export, created)."""
    with transaction.atomic():
        running = Export.objects.filter(user=user, status__in=[Export.Status.QUEUED, Export.Status.RUNNING]).first()
        if running is not None:
            return running, False
        export = Export.objects.create(user=user)
        enqueue(BUILD_EXPORT, str(export.pk))
    return export, True


def export_claim(export_id, now=None):
    """Claim a queued export (or one whose worker died); None if another worker has it."""
    now = now or timezone.now()
    claimed = lease_claim(
        Export, export_id, statuses=(Export.Status.QUEUED, Export.Status.RUNNING, Export.Status.FAILED), lease=LEASE,
        max_attempts=MAX_ATTEMPTS, now=now, claimed=dict(started_at=now, done=0),
        gave_up=dict(
            failure_reason=f"The export did not finish after {MAX_ATTEMPTS} attempts. Please ask for a new one.",
            finished_at=now,
        ),
    )
    if not claimed:
        return None
    return Export.objects.select_related("user").get(pk=export_id)


class _Progress:
    """Counts steps and writes the percentage (and a fresh lease) when it changes."""

    def __init__(self, export, total):
        self.export_id, self.total, self.done, self.percent = export.pk, max(total, 1), 0, -1

    def __call__(self, steps=1):
        self.done += steps
        percent = min(99, 100 * self.done // self.total)
        if percent != self.percent:
            self.percent = percent
            Export.objects.filter(pk=self.export_id, status=Export.Status.RUNNING).update(
                done=min(self.done, self.total), lease_expires_at=timezone.now() + LEASE
            )


def _consent_history(user):
    return [fields_json(event, exclude=("record",)) for event in ConsentEvent.objects.filter(record__user=user).order_by("at", "id")]


def _readme(user, sections):
    return README.format(
        date=timezone.now().strftime("%d %b %Y, %H:%M"),
        username=user.get_username(),
        sections="".join(section.strip("\n") + "\n" for section in sections if section),
    )


def export_build(export_id):
    """Build a claimed export's zip into storage. Safe to call twice for the same export."""
    export = export_claim(export_id)
    if export is None:
        return None
    user = export.user
    name = storage_reserve(export_key(export, ""))
    Export.objects.filter(pk=export.pk).update(file=name)  # erasure finds the file even mid-build
    parts = exporters()
    total = sum(part.count(user) for part in parts) + 2
    Export.objects.filter(pk=export.pk).update(total=total)
    progress = _Progress(export, total)
    try:
        with storage_writer(name) as stream:
            archive = Archive(stream, progress)
            archive.add_text("README.txt", _readme(user, [part.readme for part in parts]))
            for part in parts:
                part.write(user, archive)
            archive.add_json("consent/history.json", _consent_history(user))
            archive.advance()
            archive.add_json("consent/receipt.json", receipt_build(user))
            archive.advance()
            archive.close()
    except Exception:
        logger.exception("export %s failed", export.pk)
        delete_files([name])
        Export.objects.filter(pk=export.pk, status=Export.Status.RUNNING).update(
            status=Export.Status.QUEUED if export.attempts < MAX_ATTEMPTS else Export.Status.FAILED,
            failure_reason="" if export.attempts < MAX_ATTEMPTS else "The export could not be built. Please ask again.",
            file="", lease_expires_at=None, finished_at=timezone.now(),
        )
        raise
    return _export_finish(export, name)


def _export_finish(export, name):
    """Publish the zip, unless an erasure removed the export while it was being built.

    Erasers take the consent record's lock, so either the erasure comes first (the row is
    gone and the zip is deleted here) or it comes after and deletes the published zip.
    """
    now = timezone.now()
    with transaction.atomic():
        list(ConsentRecord.objects.select_for_update().filter(user_id=export.user_id))  # the revoke lock
        if not Export.objects.filter(pk=export.pk, status=Export.Status.RUNNING).exists():
            delete_files([name])  # erase_exports ran meanwhile: what is in the zip may be erased
            return None
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.READY,
            bytes=default_storage.size(name),
            done=F("total"),
            finished_at=now,
            expires_at=now + VALID_FOR,
            lease_expires_at=None,
        )
    return Export.objects.get(pk=export.pk)


def exports_sweep(now=None):
    """Expire exports past their 24 hours (the file is deleted) and re-queue lost ones."""
    now = now or timezone.now()
    expired = 0
    for export in Export.objects.filter(status=Export.Status.READY, expires_at__lte=now):
        delete_files([export.file.name])
        expired += Export.objects.filter(pk=export.pk, status=Export.Status.READY).update(
            status=Export.Status.EXPIRED, file=""
        )
    lost = Q(status=Export.Status.QUEUED, created_at__lt=now - timedelta(minutes=1)) | Q(
        status=Export.Status.RUNNING, lease_expires_at__lt=now
    )
    requeued = list(Export.objects.filter(lost).values_list("pk", flat=True)[:100])
    for export_id in requeued:
        enqueue(BUILD_EXPORT, str(export_id))
    return {"expired": expired, "requeued": len(requeued)}


def erase_exports(user):
    """Exports hold copies of everything: any erasure takes them with it (also mid-build)."""
    exports = Export.objects.filter(user=user)
    names = [name for name in exports.exclude(file="").values_list("file", flat=True)]
    names += files_under(f"{user_prefix(user.pk)}exports/")
    count = exports.count()
    exports.delete()
    return Counter(exports=count, files=delete_files(set(names)))


def export_remains(user):
    return {"exports": Export.objects.filter(user=user).count()}


def download_name(export):
    return f"rollweb-export-{export.created_at:%Y%m%d-%H%M}.zip"
