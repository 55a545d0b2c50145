"""The library's change counter: one row per person, raised by every change its pages show.

Whatever changes what the timeline, scrubber, map or search box would draw (an item added or
deleted, its state or pass, capture time, place, previews; people's names and faces, which search
reads) calls `library_changed` after its write, inside the same transaction when there is one.
Readers key what they cache by `library_version`. The pipeline raises it when a turn claims an
item and when a pass ends (or stops), not after each stage's write: what a pass finds shows once
the pass is done, and a worker saves one locked UPDATE per stage.
"""

import hashlib

from django.core.cache import cache
from django.db import connection

from ..models import LibraryVersion


def library_changed(owner_id):
    """Raise the person's counter by one: a single UPDATE (the row is made on first use), written
    out as library_version's read is (the pipeline raises it three times a photo)."""
    if _raise_counter(owner_id):
        return
    LibraryVersion.objects.bulk_create([LibraryVersion(owner_id=owner_id, n=0)], ignore_conflicts=True)
    _raise_counter(owner_id)


def _raise_counter(owner_id):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {LibraryVersion._meta.db_table} SET n = n + 1 WHERE owner_id = %s", [owner_id])
        return cursor.rowcount


def library_version(owner_id):
    """The person's counter: equal values mean nothing the library shows has changed in between.
    Read on most library requests: the query is written out, as the ORM's building of it cost
    several times what the database spends on it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT n FROM {LibraryVersion._meta.db_table} WHERE owner_id = %s", [owner_id])
        row = cursor.fetchone()
    return row[0] if row else 0


def kept_while_unchanged(owner_id, name, make, timeout=3600):
    """`make()`, kept in the cache until the person's library changes. `name` says what it is and
    holds everything else it depends on (scopes in force, query, page size); it may be any text."""
    digest = hashlib.blake2b(name.encode(), digest_size=16).hexdigest()
    key = f"library:{owner_id}:{library_version(owner_id)}:{digest}"
    value = cache.get(key)
    if value is None:
        value = make()
        cache.set(key, value, timeout=timeout)
    return value
