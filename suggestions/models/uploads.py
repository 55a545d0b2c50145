"""A resumable upload: one file sent in numbered chunks, kept through the Storage API until it is whole."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ChunkedUpload(models.Model):
    class State(models.TextChoices):
        RECEIVING = "receiving", "receiving chunks"
        COMPLETING = "completing", "being put together"
        DONE = "done", "done"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chunked_uploads")
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    chunk_size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, blank=True, help_text="what the client says the whole file hashes to")
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVING)
    parts = models.JSONField(default=dict, blank=True, help_text="chunk index → its stored name or S3 ETag")
    bytes_received = models.BigIntegerField(default=0, help_text="every chunk body accepted, repeats included")
    multipart_id = models.CharField(max_length=1024, blank=True, help_text="the S3 multipart upload holding the chunks")
    media = models.ForeignKey("suggestions.MediaItem", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["updated_at"])]

    def __str__(self):
        return f"upload {self.pk} ({self.state})"

    @property
    def chunk_count(self):
        return max(1, -(-self.size // self.chunk_size))

    def chunk_length(self, index):
        """How many bytes chunk `index` must hold: chunk_size, less for the last one."""
        return min(self.chunk_size, self.size - index * self.chunk_size)

    @property
    def received(self):
        return sorted(int(index) for index in self.parts)

    @property
    def missing(self):
        if self.state == self.State.DONE:
            return []
        have = set(self.received)
        return [index for index in range(self.chunk_count) if index not in have]
