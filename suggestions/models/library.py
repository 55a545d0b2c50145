"""The library's models: media items, their processing record (the ledger), deleted hashes,
the home area and backfills."""

import uuid
from datetime import timedelta, timezone as dt_timezone

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from rollweb.storage import user_prefix

from ..library import registry


def original_key(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{user_prefix(instance.owner_id)}originals/{uuid.uuid4().hex}.{ext}"


def derived_key(owner_id, folder, ext):
    return f"{user_prefix(owner_id)}{folder}/{uuid.uuid4().hex}.{ext}"


def face_crop_key(owner_id, face_id):
    """A face found in a video frame is shown from a crop kept here (photos crop their preview)."""
    return f"{user_prefix(owner_id)}faces/{face_id}.jpg"


def local_capture_time(captured_at, offset_minutes):
    """Capture time as the camera's clock showed it (naive when the offset is unknown)."""
    if captured_at is None:
        return None
    if offset_minutes is None:
        return captured_at.astimezone(dt_timezone.utc).replace(tzinfo=None)
    return captured_at.astimezone(dt_timezone(timedelta(minutes=offset_minutes)))


class LocalTime(models.Func):
    """When an item was taken on the camera's clock (UTC when its offset is unknown), written as if
    it were UTC, else when it was uploaded: the timeline's order with consent to time, so months
    and days are cut where its day headers cut them. Arguments: captured_at, captured_offset,
    created_at. Immutable on both engines, so the database can store and index it."""

    output_field = models.DateTimeField()

    def _sources(self, compiler):
        (taken, a), (offset, b), (uploaded, c) = (compiler.compile(e) for e in self.get_source_expressions())
        return taken, offset, uploaded, (*a, *b, *c)

    def as_sqlite(self, compiler, connection, **extra):
        # Stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC: move the seconds, keep the fraction.
        taken, offset, uploaded, params = self._sources(compiler)
        shifted = (f"CASE WHEN COALESCE({offset}, 0) = 0 THEN {taken} ELSE strftime('%%Y-%%m-%%d %%H:%%M:%%S', "
                   f"{taken}, {offset} || ' minutes') || substr({taken}, 20) END")
        return f"COALESCE({shifted}, {uploaded})", params

    def as_postgresql(self, compiler, connection, **extra):
        taken, offset, uploaded, params = self._sources(compiler)
        shifted = f"((({taken} AT TIME ZONE 'UTC') + COALESCE({offset}, 0) * interval '1 minute') AT TIME ZONE 'UTC')"
        return f"COALESCE({shifted}, {uploaded})", params


class LocalMonth(LocalTime):
    """The first day of LocalTime's month (a generated column cannot read another)."""

    output_field = models.DateField()

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = super().as_sqlite(compiler, connection, **extra)
        return f"date({sql}, 'start of month')", params

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = super().as_postgresql(compiler, connection, **extra)
        return f"(date_trunc('month', {sql} AT TIME ZONE 'UTC'))::date", params


class MediaItemQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)


class MediaItem(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", "photo"
        VIDEO = "video", "video"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "waiting"
        PROCESSING = "processing", "processing"
        ANALYZED = "analyzed", "done"
        FAILED = "failed", "failed"

    class Pass(models.TextChoices):
        """Which pass of the pipeline is done (registry.PASSES); `status` is `analyzed` after both."""

        NONE = "none", "none yet"
        INGEST = registry.INGEST, "stored, dated and placed"
        ANALYSIS = registry.ANALYSIS, "faces and themes too"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="media_items")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    analysis_pass = models.CharField(
        max_length=10, choices=Pass.choices, default=Pass.NONE,
        help_text="the pass done: ingest (previews, time, places; usable for time and place suggestions), "
        "then analysis (faces, themes; status is then analyzed)",
    )
    failure_reason = models.CharField(max_length=300, blank=True)

    original = models.FileField(upload_to=original_key, max_length=255)
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=255)
    mime = models.CharField(max_length=100)
    bytes = models.BigIntegerField()
    device_asset_id = models.CharField(max_length=255, blank=True)
    automatic = models.BooleanField(default=False)

    # Storage and display (library).
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    thumb_small = models.FileField(max_length=255, blank=True)
    thumb_large = models.FileField(max_length=255, blank=True)

    # Capture time (time). Stored as the instant when the camera's UTC offset is known;
    # otherwise the local wall-clock time is stored as if it were UTC and the offset is null.
    captured_at = models.DateTimeField(null=True, blank=True)
    captured_offset = models.SmallIntegerField(null=True, blank=True, help_text="minutes east of UTC")
    camera = models.CharField(max_length=200, blank=True)

    # Location (location).
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=200, blank=True)
    country_code = models.CharField(max_length=2, blank=True)

    # Themes (themes): picture measures used to rank and choose photos.
    quality = models.FloatField(null=True, blank=True, help_text="0–1, higher is better")
    sharpness = models.FloatField(null=True, blank=True, help_text="variance of the Laplacian")
    exposure = models.FloatField(null=True, blank=True, help_text="mean luminance, 0–1")
    colourfulness = models.FloatField(null=True, blank=True)
    phash = models.CharField(max_length=16, blank=True, help_text="perceptual hash, hex")
    burst = models.CharField(max_length=32, blank=True, help_text="shared by near-identical frames of one moment")
    best_shot = models.BooleanField(default=True, help_text="false for the lesser frames of a burst")
    night = models.BooleanField(null=True, blank=True)
    indoor = models.BooleanField(null=True, blank=True)
    colours = models.JSONField(default=list, blank=True, help_text="dominant colours, hex")
    enhancement = models.JSONField(
        null=True, blank=True, help_text="the bounded automatic edit it would gain; null when it needs none"
    )
    subject = models.JSONField(
        default=list, blank=True, help_text="where its subject probably is: x0, y0, x1, y1 as fractions"
    )

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    analyzed_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="when a pass last started on it")
    attempts = models.PositiveSmallIntegerField(default=0)
    local_time = models.GeneratedField(
        expression=LocalTime("captured_at", "captured_offset", "created_at"),
        output_field=models.DateTimeField(),
        db_persist=True,
        help_text="the timeline's order with consent to time: capture time on the camera's clock (stored by the database)",
    )
    local_month = models.GeneratedField(
        expression=LocalMonth("captured_at", "captured_offset", "created_at"),
        output_field=models.DateField(),
        db_persist=True,
        help_text="the month of local_time: where the scrubber counts it (stored by the database)",
    )

    objects = MediaItemQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["owner", "sha256"], name="media_sha256_unique_per_owner")]
        indexes = [
            models.Index(fields=["owner", "-created_at", "-id"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["status", "lease_expires_at"]),
            # A large erasure walks a person's items in id order, a chunk at a time (suggestions.erasure).
            models.Index(fields=["owner", "id"], name="media_owner_id_idx"),
            models.Index(fields=["owner", "captured_at"]),
            # Fair claiming: who has had work started lately (suggestions.library.pipeline.fair_next).
            models.Index(fields=["owner", "claimed_at"]),
            # The places the search box knows, read from the index alone.
            models.Index(fields=["owner", "place", "region"], name="media_places_idx"),
            # Newest first, for claiming turns (suggestions.library.pipeline.fair_next).
            models.Index(
                F("owner"), Coalesce("captured_at", "created_at").desc(), F("id").desc(), name="media_timeline_idx"
            ),
            # The timeline's order with consent to time (suggestions.library.timeline.sort_key).
            models.Index(fields=["owner", "-local_time", "-id"], name="media_local_time_idx"),
            # The scrubber's months, counted from the index alone (suggestions.library.timeline.month_counts).
            models.Index(fields=["owner", "local_month"], name="media_local_month_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.pk}"

    @property
    def captured_local(self):
        return local_capture_time(self.captured_at, self.captured_offset)

    @property
    def has_location(self):
        return self.latitude is not None and self.longitude is not None

    def stored_files(self):
        names = [f.name for f in (self.original, self.thumb_small, self.thumb_large) if f]
        names += [rendition.file.name for rendition in self.renditions.all() if rendition.file]
        if self.kind == self.Kind.VIDEO:
            names += [face_crop_key(self.owner_id, pk) for pk in self.faces.values_list("pk", flat=True)]
        return names


class ProcessingRecord(models.Model):
    """The ledger: what was done with an item, when, and under which consent."""

    class Outcome(models.TextChoices):
        DONE = "done", "done"
        SKIPPED = "skipped", "skipped"
        FAILED = "failed", "failed"

    media = models.ForeignKey(MediaItem, on_delete=models.CASCADE, related_name="ledger")
    stage = models.CharField(max_length=30)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    scopes = models.JSONField(default=list)
    grant_ids = models.JSONField(default=list, help_text="receipt ids of the grants in force")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    detail = models.CharField(max_length=300)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self):
        return f"{self.stage}: {self.outcome}"

    @property
    def stage_title(self):
        return registry.stage_title(self.stage)


class Tombstone(models.Model):
    """The hash of an item its owner deleted, so a phone is told not to upload it again."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tombstones")
    sha256 = models.CharField(max_length=64)
    deleted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "sha256"], name="tombstone_unique_per_owner")]


class Home(models.Model):
    """A person's most frequent place (location): tells trips from everyday life."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="home")
    latitude = models.FloatField()
    longitude = models.FloatField()
    place = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=200, blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class Backfill(models.Model):
    """One scope's stages run over what was stored before the scope was granted."""

    class State(models.TextChoices):
        RUNNING = "running", "running"
        DONE = "done", "done"
        STOPPED = "stopped", "stopped"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="backfills")
    scope = models.CharField(max_length=20)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    last_media_id = models.BigIntegerField(default=0, help_text="items are visited in id order; the last one visited")
    until_media_id = models.BigIntegerField(default=0, help_text="the newest item stored when it started")
    started_at = models.DateTimeField(default=timezone.now)
    progressed_at = models.DateTimeField(default=timezone.now, help_text="when it last finished an item")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["owner", "state"]), models.Index(fields=["state", "progressed_at"])]

    def __str__(self):
        return f"{self.scope} backfill: {self.done}/{self.total} ({self.state})"


class LibraryVersion(models.Model):
    """A counter per person, raised by every change the library's pages show (suggestions.library.changes):
    the cached timeline page, scrubber, map and search hints are keyed by it, so reading whether the
    library changed is one indexed row."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="library_version"
    )
    n = models.BigIntegerField(default=0)
