"""Suggestions, the items they show, and when each person's refresh is due."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .library import MediaItem


class ScopedQuerySet(models.QuerySet):
    """For rows that record, in `scopes_used`, every scope whose data made them."""

    def using_scope(self, scope):
        return self.filter(scopes_used__contains=f",{scope},")


class ScopesUsed(models.Model):
    scopes_used = models.CharField(
        max_length=100, help_text="the scopes whose data it used, comma-separated and comma-wrapped"
    )

    class Meta:
        abstract = True

    @staticmethod
    def scopes_value(keys):
        return "," + ",".join(sorted(set(keys))) + ","

    @property
    def scope_keys(self):
        return [key for key in self.scopes_used.split(",") if key]


class SuggestionQuerySet(ScopedQuerySet):
    def not_dismissed(self):
        """A dismissed suggestion is gone for good: never shown, answered or suggested again."""
        return self.exclude(state=Suggestion.State.DISMISSED)


class Suggestion(ScopesUsed):
    class State(models.TextChoices):
        NEW = "new", "new"
        SEEN = "seen", "seen"
        SAVED = "saved", "saved"
        DISMISSED = "dismissed", "dismissed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggestions")
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    reason = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.NEW)
    fingerprint = models.CharField(max_length=64)
    topic = models.CharField(
        max_length=100, blank=True, help_text="what it is about (an event, a day, a birthday), kept across new photos"
    )
    occasion_date = models.DateField(null=True, blank=True)
    media = models.ManyToManyField(MediaItem, through="SuggestionItem", related_name="suggestions")
    asset = models.FileField(max_length=255, blank=True)
    asset_mime = models.CharField(max_length=50, blank=True)
    soundtrack = models.BooleanField(
        default=True, help_text="a recap video has music (its page plays it muted until the person unmutes)"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    quality = models.FloatField(default=0.5, help_text="how good its photos are, 0–1 (0.5 when unknown)")
    released_at = models.DateTimeField(
        null=True, blank=True, default=timezone.now,
        help_text="when it entered the feed; empty while it waits its turn (at most a few a day)",
    )
    seen_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(
        null=True, blank=True, help_text="when it aged out of the feed (seen and left alone)"
    )
    feed_rank = models.PositiveIntegerField(null=True, blank=True, help_text="its place in the feed, first is 0")

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "fingerprint"], name="suggestion_fingerprint_unique_per_owner")
        ]

    def __str__(self):
        return f"{self.kind} suggestion {self.pk}"


class SuggestionItem(models.Model):
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE)
    media = models.ForeignKey(MediaItem, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["suggestion", "media"], name="suggestion_item_unique")]


class SuggestionRefresh(models.Model):
    """When a person's debounced refresh is due, and when the last one ran."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggestion_refresh")
    due_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)


class YearReviewRequest(models.Model):
    """A past year the person asked to see reviewed (“Your 2019”); the feed's refresh makes it."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="year_reviews")
    year = models.PositiveSmallIntegerField()
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "year"], name="year_review_unique_per_owner")]


class HiddenRange(models.Model):
    """Days the person hid from suggestions: no photo taken (or, without capture times, uploaded)
    on them is suggested, rendered or shared."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hidden_ranges")
    start = models.DateField()
    end = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["start", "end", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(start__lte=models.F("end")), name="hidden_range_ordered")]

    def __str__(self):
        return f"hidden range {self.pk}"


class FewerKind(models.Model):
    """A kind of suggestion the person asked to see fewer of (“fewer like this”)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fewer_kinds")
    kind = models.CharField(max_length=30)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["owner", "kind"], name="fewer_kind_unique_per_owner")]

    def __str__(self):
        return f"fewer {self.kind}"
