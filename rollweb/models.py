import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """One device's sign-in for the API. Only a hash of the token is stored: it is shown once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    device_name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.device_name or f"token {self.pk}"


class WorkerHeartbeat(models.Model):
    """A Celery worker that runs (or ran lately): it sets beat_at every WORKER_HEARTBEAT_SECONDS
    and removes its row when it stops; a killed worker's row stays with its last beat."""

    name = models.CharField(max_length=200, unique=True)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-beat_at"]

    def __str__(self):
        return self.name
