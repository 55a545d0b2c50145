"""What operators see: queue health and per-person counts, from the database only.

Counts and states, never content: no picture, preview, face, place or name comes through here.
"""

from datetime import timedelta

from django.db.models import Count, IntegerField, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from consent.models import Export
from suggestions.models import Face, MediaItem, Person, Suggestion


def _queue(model, waiting, running, failed, failed_at, hour_ago, now):
    return model.objects.aggregate(
        waiting=Count("pk", filter=Q(status=waiting)),
        running=Count("pk", filter=Q(status=running)),
        stuck=Count("pk", filter=Q(status=running, lease_expires_at__lt=now)),
        failed_last_hour=Count("pk", filter=Q(status=failed, **{f"{failed_at}__gte": hour_ago})),
        oldest_waiting=Min("created_at", filter=Q(status=waiting)),
    )


def queue_health(now=None):
    """Media analysis and exports: waiting, running, past their lease, failed in the last hour."""
    now = now or timezone.now()
    hour_ago = now - timedelta(hours=1)
    media = MediaItem.Status
    exports = Export.Status
    return {
        "media": _queue(MediaItem, media.UPLOADED, media.PROCESSING, media.FAILED, "analyzed_at", hour_ago, now),
        "exports": _queue(Export, exports.QUEUED, exports.RUNNING, exports.FAILED, "finished_at", hour_ago, now),
        "at": now,
    }


def _count(queryset, owner_path):
    rows = queryset.filter(**{owner_path: OuterRef("pk")}).order_by().values(owner_path)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), Value(0))


def with_counts(users):
    """Users annotated with how much each keeps: media, failed items, faces, people, suggestions."""
    return users.annotate(
        media_count=_count(MediaItem.objects.all(), "owner"),
        failed_count=_count(MediaItem.objects.filter(status=MediaItem.Status.FAILED), "owner"),
        face_count=_count(Face.objects.all(), "media__owner"),
        people_count=_count(Person.objects.all(), "owner"),
        suggestion_count=_count(Suggestion.objects.all(), "owner"),
    )
