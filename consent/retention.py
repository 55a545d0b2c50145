"""Consent rules that run on a clock: grant expiry, notice changes and face data retention.

Each runs from Celery beat (rollweb.settings.CELERY_BEAT_SCHEDULE); SCHEDULE describes them
for the privacy page, so what is published is what runs.

"Activity" (for face data retention) is the latest of: signing in, a consent choice the
person made (on the web or through the API), and whatever other apps register with
`register_activity` (the library registers uploads, so a phone that keeps syncing counts).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone

from .models import ConsentEvent, Grant, Method
from .scopes import FACES, SCOPES
from .services import scopes_revoke

_activity_sources = []


def register_activity(source):
    """`source(user_ids)` returns {user_id: latest activity} for those it knows of."""
    if source not in _activity_sources:
        _activity_sources.append(source)


def _login_and_choices(user_ids):
    latest = {}
    for user_id, last_login, joined in get_user_model().objects.filter(pk__in=user_ids).values_list(
        "pk", "last_login", "date_joined"
    ):
        latest[user_id] = max(filter(None, [last_login, joined]))
    choices = (
        ConsentEvent.objects.filter(record__user_id__in=user_ids, method__in=[Method.WEB, Method.API])
        .values("record__user_id")
        .annotate(last=Max("at"))
    )
    for row in choices:
        user_id = row["record__user_id"]
        latest[user_id] = max(latest.get(user_id, row["last"]), row["last"])
    return latest


def last_activity(user_ids):
    """{user_id: the person's latest activity}."""
    user_ids = list(user_ids)
    latest = _login_and_choices(user_ids)
    for source in _activity_sources:
        for user_id, moment in source(user_ids).items():
            if moment and (user_id not in latest or moment > latest[user_id]):
                latest[user_id] = moment
    return latest


def face_data_destroy_after(user):
    """When the person's face data will be destroyed if they stay inactive."""
    moment = last_activity([user.pk]).get(user.pk)
    return moment + timedelta(days=settings.FACE_RETENTION_DAYS) if moment else None


def _revoke_each(grants, reason, detail):
    ended = 0
    for grant in grants.select_related("record__user"):
        user = grant.record.user
        if user is None:
            continue
        ended += len(scopes_revoke(user, [grant.scope], method=Method.SYSTEM, reason=reason, detail=detail).revoked)
    return ended


def grants_expire(now=None):
    """End time-limited grants (faces, 12 months) that lapsed; erase as a withdrawal does."""
    now = now or timezone.now()
    lapsed = Grant.objects.filter(ended_at__isnull=True, expires_at__lte=now)
    return _revoke_each(lapsed, ConsentEvent.Kind.EXPIRE, "lapsed: consent to this is valid for 12 months")


def faces_retention_enforce(now=None):
    """Destroy the face data of people inactive for FACE_RETENTION_DAYS (and end the grant)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.FACE_RETENTION_DAYS)
    grants = Grant.objects.filter(scope=FACES, ended_at__isnull=True, record__user__isnull=False)
    activity = last_activity(grants.values_list("record__user_id", flat=True))
    inactive = [user_id for user_id, moment in activity.items() if moment < cutoff]
    return _revoke_each(
        grants.filter(record__user_id__in=inactive),
        ConsentEvent.Kind.EXPIRE,
        f"face data destroyed after {settings.FACE_RETENTION_DAYS} days without activity",
    )


def notices_pause_stale(now=None):
    """Log a `pause` event for each open grant whose notice has changed since it was given.

    The pause itself needs no job (a grant under an older notice is never in force); this
    puts it on the person's history, once per grant.
    """
    now = now or timezone.now()
    paused = 0
    for key, scope in SCOPES.items():
        stale = Grant.objects.filter(scope=key, ended_at__isnull=True, record__user__isnull=False).exclude(
            notice_version=scope.notice_version
        )
        logged = ConsentEvent.objects.filter(kind=ConsentEvent.Kind.PAUSE, scope=key, detail__endswith=scope.notice_version)
        for grant in stale.exclude(receipt_id__in=logged.values("receipt_id")):
            ConsentEvent.objects.create(
                record_id=grant.record_id,
                kind=ConsentEvent.Kind.PAUSE,
                scope=key,
                notice_version=grant.notice_version,
                method=Method.SYSTEM,
                receipt_id=grant.receipt_id,
                at=now,
                detail=f"the notice changed to version {scope.notice_version}",
            )
            paused += 1
    return paused


def schedule():
    """The clock-driven rules as published on the privacy page."""
    beat = settings.CELERY_BEAT_SCHEDULE

    def when(name):
        entry = beat.get(name)
        return _describe(entry["schedule"]) if entry else "not scheduled on this server"

    return [
        {
            "title": "Face data retention",
            "rule": f"Face data of a person with no activity (signing in, uploading or changing a privacy choice) "
            f"for {settings.FACE_RETENTION_DAYS} days is destroyed, and face recognition is turned off.",
            "when": when("enforce-face-retention"),
        },
        {
            "title": "Face recognition consent",
            "rule": "Consent to face recognition lasts 12 months. You are asked to renew it in its last 30 days; "
            "if it lapses, face data is erased as if you had turned it off.",
            "when": when("expire-lapsed-grants"),
        },
        {
            "title": "Changed notices",
            "rule": "When what rollweb tells you about a choice changes, that choice is paused until you agree again; "
            "nothing runs under it meanwhile.",
            "when": when("pause-stale-notices"),
        },
        {
            "title": "Data exports",
            "rule": "An export can be downloaded for 24 hours, then its file is deleted.",
            "when": when("sweep-exports"),
        },
    ]


def _describe(entry):
    """Plain words for a crontab or an interval."""
    if isinstance(entry, timedelta):
        return f"every {int(entry.total_seconds())} seconds"
    minute, hour = entry._orig_minute, entry._orig_hour
    if str(hour) == "*":
        if str(minute).startswith("*/"):
            return f"every {str(minute)[2:]} minutes"
        return f"every hour at {int(minute):02d} minutes past"
    return f"every day at {int(hour):02d}:{int(minute):02d} {settings.CELERY_TIMEZONE}"
