"""Share links."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .edits import Rendition
from .feed import Suggestion


class ShareLinkQuerySet(models.QuerySet):
    def live(self, now=None):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ShareLink(models.Model):
    """An unguessable link that shows one asset, and nothing else, to whoever has it, until it
    expires or its owner revokes it. Only a hash of its key is kept."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links")
    suggestion = models.ForeignKey(
        Suggestion, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    rendition = models.ForeignKey(
        Rendition, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    views = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(suggestion__isnull=False, rendition__isnull=True)
                | models.Q(suggestion__isnull=True, rendition__isnull=False),
                name="share_link_one_target",
            )
        ]

    def __str__(self):
        return f"share link {self.pk}"
