"""Renditions: saved edits, kept beside their originals."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .feed import ScopedQuerySet, ScopesUsed, Suggestion
from .library import MediaItem


class Rendition(ScopesUsed):
    """A saved edit: an enhanced, re-framed copy kept beside the original, which never changes."""

    class State(models.TextChoices):
        PENDING = "pending", "being made"
        READY = "ready", "ready"
        FAILED = "failed", "failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="renditions")
    media = models.ForeignKey(MediaItem, on_delete=models.CASCADE, related_name="renditions")
    suggestion = models.ForeignKey(
        Suggestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="renditions"
    )
    frame = models.CharField(max_length=10, help_text="original, 1:1, 4:5 or 9:16")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    failure_reason = models.CharField(max_length=300, blank=True)
    file = models.FileField(max_length=255, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    bytes = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["media", "frame"], name="rendition_one_per_frame")]

    def __str__(self):
        return f"{self.frame} edit of {self.media_id}"

    @property
    def download_name(self):
        stem = self.media.original_name.rsplit(".", 1)[0] or "photo"
        frame = "" if self.frame == "original" else "-" + self.frame.replace(":", "x")
        return f"{stem}-edited{frame}.jpg"
