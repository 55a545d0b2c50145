"""What operators see: queue health and per-person counts, from the database only.

Counts and states, never content: no picture, preview, face, place or name comes through here.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, IntegerField, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from prometheus_client.core import GaugeMetricFamily

from consent.models import Erasure, Export
from suggestions.models import Face, MediaItem, Person, Suggestion

from .broker import set_aside_count, set_aside_folder
from .models import WorkerHeartbeat
from .queue import backlogs
from .workers import workers_state


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


def workers_health(now=None):
    """The workers' heartbeats, and the messages the default broker set aside as unreadable
    (None on Redis or RabbitMQ, which have no such folder)."""
    now = now or timezone.now()
    silent_after = timedelta(seconds=settings.WORKER_SILENT_SECONDS)
    workers = [
        {"name": row.name, "pid": row.pid, "started_at": row.started_at, "beat_at": row.beat_at,
         "alive": row.beat_at >= now - silent_after}
        for row in WorkerHeartbeat.objects.all()
    ]
    broker_dir = settings.BROKER_DIR
    return {
        "state": workers_state(now),
        "workers": workers,
        "heartbeat_seconds": settings.WORKER_HEARTBEAT_SECONDS,
        "set_aside": set_aside_count(broker_dir) if broker_dir else None,
        "set_aside_folder": set_aside_folder(broker_dir) if broker_dir else None,
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


def overview(now=None):
    """The tiles on the operators' page and the gauges of /metrics: tasks waiting per queue,
    items per state, failures in the last day, erasures in progress. Counts only."""
    now = now or timezone.now()
    day_ago = now - timedelta(days=1)
    by_state = dict(MediaItem.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return {
        "queues": backlogs(),
        "states": [(label, value, by_state.get(value, 0)) for value, label in MediaItem.Status.choices],
        "failed_last_day": MediaItem.objects.filter(status=MediaItem.Status.FAILED, analyzed_at__gte=day_ago).count(),
        "day_ago": day_ago,
        "erasures": Erasure.objects.exclude(status=Erasure.Status.DONE).count(),
    }


class OverviewCollector:
    """Gauges read from the database and the broker at scrape time (the same as the tiles)."""

    def collect(self):
        data = overview()
        depth = GaugeMetricFamily("rollweb_queue_depth", "Tasks waiting, per queue kind", labels=["queue"])
        for kind, count in data["queues"].items():
            if count is not None:
                depth.add_metric([kind], count)
        states = GaugeMetricFamily("rollweb_items", "Media items, per state", labels=["state"])
        for _, value, count in data["states"]:
            states.add_metric([value], count)
        yield depth
        yield states
        yield GaugeMetricFamily("rollweb_items_failed_last_day", "Items that failed in the last 24 hours",
                                value=data["failed_last_day"])
        yield GaugeMetricFamily("rollweb_erasures_pending", "Erasures not yet done", value=data["erasures"])
