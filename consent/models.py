import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from rollweb.storage import user_prefix

from . import scopes

SCOPE_CHOICES = [(key, scopes.SCOPES[key].title) for key in scopes.ORDER]


class ConsentRecord(models.Model):
    """A person's consent record (ISO/IEC TS 27560 "record").

    It outlives the account: deleting the account only unlinks the user, so the event log
    stays as a pseudonymous trace that consent was given, withdrawn and honoured.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="consent_record"
    )
    created_at = models.DateTimeField(default=timezone.now)
    onboarded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"consent record {self.id}"


class Notice(models.Model):
    """Every version of a scope's notice that was ever shown, kept as evidence."""

    scope = models.CharField(max_length=20, choices=SCOPE_CHOICES)
    version = models.CharField(max_length=64)
    text = models.TextField()
    first_shown_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "version"], name="notice_scope_version_unique")]

    def __str__(self):
        return f"{self.scope} notice {self.version}"


class Method(models.TextChoices):
    WEB = "web", "web page"
    API = "api", "API"
    SYSTEM = "system", "rollweb (scheduled)"


class GrantQuerySet(models.QuerySet):
    def current(self, now=None):
        """Grants neither ended nor past their expiry (their notice may still be stale)."""
        now = now or timezone.now()
        return self.filter(ended_at__isnull=True).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class Grant(models.Model):
    """One consent to one scope, from the moment it was given until it ended."""

    class EndReason(models.TextChoices):
        REVOKED = "revoked", "withdrawn"
        EXPIRED = "expired", "expired"
        SUPERSEDED = "superseded", "renewed"

    record = models.ForeignKey(ConsentRecord, on_delete=models.CASCADE, related_name="grants")
    scope = models.CharField(max_length=20, choices=SCOPE_CHOICES)
    notice_version = models.CharField(max_length=64)
    method = models.CharField(max_length=10, choices=Method.choices)
    receipt_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["record", "scope", "ended_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "scope"], condition=models.Q(ended_at__isnull=True), name="one_open_grant_per_scope"
            )
        ]

    def __str__(self):
        return f"{self.scope} grant {self.receipt_id}"


class AppendOnlyError(Exception):
    pass


class ConsentEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Consent events are append-only.")

    def delete(self):
        raise AppendOnlyError("Consent events are append-only.")

    _raw_delete = delete


def counts_text(counts):
    """“2 files, 1 media, 3 share links”: erasure counts in words."""
    return ", ".join(f"{value:,} {key.replace('_', ' ')}" for key, value in sorted(counts.items()))


class ConsentEvent(models.Model):
    """The append-only consent log. Rows are never changed or removed (see the migration's trigger)."""

    class Kind(models.TextChoices):
        GRANT = "grant", "granted"
        REVOKE = "revoke", "withdrawn"
        EXPIRE = "expire", "expired"
        PAUSE = "pause", "paused: the notice changed"
        ERASURE = "erasure", "erasure completed"
        ACCOUNT_ERASURE = "account_erasure", "account deleted"
        SHARE = "share", "share link made"
        UNSHARE = "unshare", "share link revoked"

    record = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    scope = models.CharField(max_length=20, blank=True)
    notice_version = models.CharField(max_length=64, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices)
    receipt_id = models.UUIDField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    counts = models.JSONField(default=dict, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    objects = ConsentEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["record", "-at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.scope}".strip()

    @property
    def counts_text(self):
        return counts_text(self.counts)

    @property
    def title(self):
        return "your account" if self.scope == self.ACCOUNT else scopes.SCOPES[self.scope].title

    def progress_of(self, part):
        return self.progress.get(str(part))

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Consent events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Consent events are append-only.")


def export_key(instance, filename):
    return f"{user_prefix(instance.user_id)}exports/{instance.pk}.zip"


class Export(models.Model):
    """A person's data export (GDPR access and portability): a zip built by a worker.

    The zip lives under the person's storage prefix, so erasing the library or the account
    erases it too; it can be downloaded by its owner only, until `expires_at`.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "waiting"
        RUNNING = "running", "being built"
        READY = "ready", "ready"
        FAILED = "failed", "failed"
        EXPIRED = "expired", "expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to=export_key, max_length=255, blank=True)
    bytes = models.BigIntegerField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    failure_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["status", "expires_at"])]

    def __str__(self):
        return f"export {self.pk}"

    @property
    def percent(self):
        if self.status == self.Status.READY:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def pending(self):
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    def downloadable(self, now=None):
        return self.status == self.Status.READY and bool(self.file) and self.expires_at > (now or timezone.now())


class Erasure(models.Model):
    """A durable request to erase what was derived under a scope (or a whole account), done in
    chunks by a worker on the `erase` queue.

    From the moment it exists the scope counts as not in force (consent.services.active_grants),
    so nothing derived under it is shown or used while the chunks run; the sweeper queues it
    again when its task was lost. It outlives the account, tied to the pseudonymous record.
    """

    ACCOUNT = "account"

    class Status(models.TextChoices):
        QUEUED = "queued", "waiting"
        RUNNING = "running", "in progress"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    record = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="erasures")
    scope = models.CharField(max_length=20, help_text="a scope, or “account” for the account's own rows")
    method = models.CharField(max_length=10, choices=Method.choices)
    receipt_id = models.UUIDField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    counts = models.JSONField(default=dict, blank=True)
    chunks = models.PositiveIntegerField(default=0)
    progress = models.JSONField(default=dict, blank=True, help_text="per chunked part, the last id erased or “done”")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["record", "status"]), models.Index(fields=["status", "lease_expires_at"])]

    def __str__(self):
        return f"erasure of {self.scope}"

    @property
    def pending(self):
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def counts_text(self):
        return counts_text(self.counts)

    @property
    def title(self):
        return "your account" if self.scope == self.ACCOUNT else scopes.SCOPES[self.scope].title

    def progress_of(self, part):
        return self.progress.get(str(part))
