"""The library's reads, always scoped to an owner: the one place a list of items is filtered."""

from django.db import connection
from django.db.models import Avg, Count, Max
from django.shortcuts import get_object_or_404

from ..models import Backfill, ChunkedUpload, MediaItem, Tombstone
from . import changes


def media_of(user):
    return MediaItem.objects.owned_by(user)


def media_owned(user, pk, queryset=None):
    """One of the person's items; another person's (or none) is a 404."""
    return get_object_or_404((queryset if queryset is not None else MediaItem.objects).owned_by(user), pk=pk)


def media_with_ids(user, ids):
    return media_of(user).filter(pk__in=ids)


def burst_of(item):
    """The other frames of the item's burst (none when it is in no burst)."""
    if not item.burst:
        return []
    return media_of(item.owner).filter(burst=item.burst).exclude(pk=item.pk)


def backfills_running(owner):
    return Backfill.objects.filter(owner=owner, state=Backfill.State.RUNNING)


def backfills_with_ids(user, ids):
    return Backfill.objects.filter(owner=user, pk__in=ids)


def media_check(user, hashes):
    """Sort a device's sha256 values into missing, present and deleted, in one query.

    Plain SQL: the ORM prepares each of up to 2 × 5,000 parameters one by one, which costs
    more than running the query. The hashes found come back joined in one text per kind, not a
    row each.
    """
    wanted = list(dict.fromkeys(hashes))
    found = {"present": set(), "deleted": set()}
    if wanted:
        with connection.cursor() as cursor:
            cursor.execute(*check_sql(user.pk, wanted))
            for where, joined in cursor.fetchall():
                found[where] = set(joined.split(",")) if joined else set()
    present, deleted = found["present"], found["deleted"] - found["present"]
    known = present | deleted
    return {
        "missing": [sha256 for sha256 in wanted if sha256 not in known] if known else wanted,
        "present": [sha256 for sha256 in wanted if sha256 in present] if present else [],
        "deleted": [sha256 for sha256 in wanted if sha256 in deleted] if deleted else [],
    }


def check_sql(owner_id, wanted):
    """media_check's query and its parameters for distinct `wanted` hashes (bench/scale.py times it alone):
    two rows, ("present", the hashes found among the person's items joined by commas) and ("deleted",
    those among their tombstones), each NULL when none is.

    On PostgreSQL the hashes (hex: no commas) go as one text, split into rows by the server (quoting
    a 5,000-item array costs the client more than the query). Each is looked up in the sha256 hash
    indexes (migration 0015) by everyone's rows, and the person's are kept afterwards: the
    MATERIALIZED steps keep the owner test out of the lookup, where the planner would otherwise
    merge the hashes with the owner's whole (owner, sha256) index, comparing texts all along it.
    """
    media, tombstones = MediaItem._meta.db_table, Tombstone._meta.db_table
    text = ",".join(wanted)
    if connection.vendor == "postgresql" and text.count(",") == len(wanted) - 1:
        sql = (
            f"WITH w AS MATERIALIZED (SELECT unnest(string_to_array(%s, ',')) AS sha256), "
            f"p AS MATERIALIZED (SELECT t.owner_id, t.sha256 FROM w JOIN {media} t ON t.sha256 = w.sha256), "
            f"d AS MATERIALIZED (SELECT t.owner_id, t.sha256 FROM w JOIN {tombstones} t ON t.sha256 = w.sha256) "
            f"SELECT 'present', string_agg(sha256, ',') FROM p WHERE owner_id = %s "
            f"UNION ALL "
            f"SELECT 'deleted', string_agg(sha256, ',') FROM d WHERE owner_id = %s"
        )
        return sql, [text, owner_id, owner_id]
    marks = ", ".join(["%s"] * len(wanted))
    concat = "string_agg(sha256, ',')" if connection.vendor == "postgresql" else "group_concat(sha256, ',')"
    sql = (
        f"SELECT 'present', {concat} FROM {media} WHERE owner_id = %s AND sha256 IN ({marks}) "
        f"UNION ALL "
        f"SELECT 'deleted', {concat} FROM {tombstones} WHERE owner_id = %s AND sha256 IN ({marks})"
    )
    return sql, [owner_id, *wanted, owner_id, *wanted]


def last_uploads(user_ids):
    """{user_id: time of their latest upload}: uploading counts as activity (face data retention)."""
    rows = MediaItem.objects.filter(owner_id__in=user_ids).values("owner_id").annotate(last=Max("created_at"))
    return {row["owner_id"]: row["last"] for row in rows}


def upload_owned(user, pk):
    """One of the person's resumable uploads; another person's (or none) is a 404."""
    return get_object_or_404(ChunkedUpload.objects.filter(owner=user), pk=pk)


def place_counts(user):
    """[{place, region, country_code, count, lat, lon}] of every place in the person's library, busiest
    first, coordinates the mean of the place's items rounded to 0.1° (about 11 km); counted again only
    when the library changed. Callers check `location`."""
    items = MediaItem.objects.filter(owner=user).exclude(place="")
    return changes.kept_while_unchanged(user.pk, "map-places", lambda: _places_counted(items))


def _places_counted(items):
    rows = (
        items.values("place", "region", "country_code")
        .annotate(count=Count("id"), lat=Avg("latitude"), lon=Avg("longitude"))
        .order_by("-count", "place")
    )
    return [{**row, "lat": round(row["lat"], 1), "lon": round(row["lon"], 1)} for row in rows if row["lat"] is not None]
