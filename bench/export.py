"""Data export: time, throughput and peak Python memory, against a plain storage-to-storage copy.

    .venv/bin/python bench/export.py [ITEMS] [BIG_MB]

Builds an export of ITEMS corpus photos (cycled) plus one BIG_MB original in a throw-away
database and storage, and prints figures; the baseline copies the same stored bytes once
with shutil in the same process, so the ratio says what the zip and its JSON cost.
"""

import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="rollweb-bench-export-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="rollweb.settings", SECRET_KEY="bench", VAR_DIR=str(WORK), MEDIA_ROOT=str(WORK / "private"),
    CELERY_TASK_ALWAYS_EAGER="true", LOG_LEVEL="WARNING",
)
CORPUS = Path(os.environ.get("ROLLWEB_CORPUS", ROOT.parent / "shared" / "corpus"))


def main(items=200, big_mb=64):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    from consent.export import export_build
    from consent.models import Export
    from suggestions.models import MediaItem, ProcessingRecord, derived_key

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench")
    photos = sorted((CORPUS / "exif").glob("*.jpg")) + sorted((CORPUS / "orientation").glob("*.jpg"))
    stored = []
    for index in range(items):
        source = photos[index % len(photos)]
        name = default_storage.save(derived_key(user.pk, "originals", "jpg"), open(source, "rb"))
        stored.append((name, source.name, source.stat().st_size, index))
    big = default_storage.save(derived_key(user.pk, "originals", "mov"), _zeros(big_mb))
    stored.append((big, "big.mov", big_mb * 2**20, items))
    from django.utils import timezone

    for name, original_name, size, index in stored:
        item = MediaItem.objects.create(
            owner=user, kind="photo", original=name, sha256=f"{index:064x}", original_name=original_name,
            mime="image/jpeg", bytes=size, status="analyzed",
        )
        ProcessingRecord.objects.create(
            media=item, stage="store", outcome="done", scopes=["library"], started_at=timezone.now(),
            finished_at=timezone.now(), detail="Stored.",
        )
    total = sum(size for _, _, size, _ in stored)

    started = time.perf_counter()
    for name, *_ in stored:
        with default_storage.open(name, "rb") as source, open(WORK / "copy.bin", "wb") as target:
            shutil.copyfileobj(source, target, 2**20)
    baseline = time.perf_counter() - started

    export = Export.objects.create(user=user)  # not queued: built here, in this process
    tracemalloc.start()
    started = time.perf_counter()
    ready = export_build(export.pk)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"items: {len(stored)} ({total / 2**20:.1f} MB of originals, one of {big_mb} MB)")
    print(f"zip: {ready.bytes / 2**20:.1f} MB in {elapsed:.2f} s = {ready.bytes / 2**20 / elapsed:.0f} MB/s")
    print(f"baseline copy of the same bytes: {baseline:.2f} s; export / baseline = {elapsed / baseline:.1f}x")
    print(f"per item: {1000 * elapsed / len(stored):.1f} ms")
    print(f"peak Python memory while building: {peak / 2**20:.1f} MB ({100 * peak / ready.bytes:.1f}% of the zip)")
    shutil.rmtree(WORK, ignore_errors=True)


def _zeros(megabytes):
    import io

    return io.BytesIO(b"\0" * (megabytes * 2**20))


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
