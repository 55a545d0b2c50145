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
    more than running the query. On PostgreSQL the hashes (hex: no commas) go as one text, split
    into rows by the server (quoting a 5,000-item array costs the client more than the query) and
    joined so that each is looked up in the (owner, sha256) unique indexes rather than filtering
    all the owner's rows.
    """
    wanted = list(dict.fromkeys(hashes))
    found = {}
    if wanted:
        with connection.cursor() as cursor:
            cursor.execute(*check_sql(user.pk, wanted))
            for sha256, where in cursor.fetchall():
                if where == "present" or sha256 not in found:
                    found[sha256] = where
    answer = {"missing": [], "present": [], "deleted": []}
    for sha256 in wanted:
        answer[found.get(sha256, "missing")].append(sha256)
    return answer


def check_sql(owner_id, wanted):
    """media_check's query and its parameters for distinct `wanted` hashes (bench/scale.py times it alone)."""
    media, tombstones = MediaItem._meta.db_table, Tombstone._meta.db_table
    if connection.vendor == "postgresql" and not any("," in sha256 for sha256 in wanted):
        sql = (
            f"WITH w AS MATERIALIZED (SELECT unnest(string_to_array(%s, ',')) AS sha256) "
            f"SELECT t.sha256, 'present' FROM w JOIN {media} t ON t.owner_id = %s AND t.sha256 = w.sha256 "
            f"UNION ALL "
            f"SELECT t.sha256, 'deleted' FROM w JOIN {tombstones} t ON t.owner_id = %s AND t.sha256 = w.sha256"
        )
        return sql, [",".join(wanted), owner_id, owner_id]
    marks = ", ".join(["%s"] * len(wanted))
    sql = (
        f"SELECT sha256, 'present' FROM {media} WHERE owner_id = %s AND sha256 IN ({marks}) "
        f"UNION ALL "
        f"SELECT sha256, 'deleted' FROM {tombstones} WHERE owner_id = %s AND sha256 IN ({marks})"
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
