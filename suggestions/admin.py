"""Operators see states, sizes and failures: never a picture, a preview, a face or a place."""

from django.contrib import admin, messages

from consent.admin import ReadOnlyAdmin

from .library import services
from .models import (
    FewerKind, HiddenRange, MediaItem, PeoplePreference, ProcessingRecord, Rendition, ShareLink, YearReviewRequest,
)

OPERATOR_FIELDS = (
    "id", "owner", "kind", "status", "failure_reason", "mime", "bytes", "width", "height", "duration_s",
    "automatic", "attempts", "created_at", "analyzed_at", "lease_expires_at",
)


class ProcessingRecordInline(admin.TabularInline):
    model = ProcessingRecord
    fields = ("stage", "outcome", "scopes", "started_at", "finished_at", "failure")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="failure")
    def failure(self, record):
        """Only failures are shown: a done stage's detail may say what was found (a time, a place)."""
        return record.detail if record.outcome == ProcessingRecord.Outcome.FAILED else ""


@admin.register(MediaItem)
class MediaItemAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "kind", "status", "bytes", "created_at", "failure_reason")
    list_filter = ("status", "kind")
    search_fields = ("=id", "owner__username")
    list_select_related = ("owner",)
    fields = OPERATOR_FIELDS
    readonly_fields = OPERATOR_FIELDS
    inlines = [ProcessingRecordInline]
    actions = ["retry"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry analysis of the selected failed items", permissions=["change"])
    def retry(self, request, queryset):
        retried = 0
        for item in queryset.filter(status=MediaItem.Status.FAILED):
            if services.media_retry(item):
                self.log_change(request, item, "Retried analysis.")
                retried += 1
        self.message_user(request, f"Queued {retried} item(s) for another analysis.", messages.SUCCESS)


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnlyAdmin):
    """Counts and dates only: not what a link shows, and not its key (only a hash is kept anyway)."""

    list_display = ("id", "owner_id", "target_kind", "created_at", "expires_at", "revoked_at", "views")
    list_filter = ("created_at", "expires_at")
    search_fields = ("=id", "=owner__id")
    fields = ("id", "owner_id", "target_kind", "created_at", "expires_at", "revoked_at", "views", "last_viewed_at")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="target")
    def target_kind(self, link):
        return "suggestion" if link.suggestion_id else "edit"


@admin.register(Rendition)
class RenditionAdmin(ReadOnlyAdmin):
    """Saved edits: their state and failures, never their pictures."""

    list_display = ("id", "owner_id", "media_id", "frame", "state", "bytes", "created_at", "failure_reason")
    list_filter = ("state", "frame")
    search_fields = ("=id", "=owner__id")
    fields = ("id", "owner_id", "media_id", "frame", "state", "failure_reason", "width", "height", "bytes", "created_at")
    readonly_fields = fields
    show_full_result_count = False


@admin.register(HiddenRange)
class HiddenRangeAdmin(ReadOnlyAdmin):
    """That a person hid days from suggestions, and how many: not which days, and nothing they show."""

    list_display = ("id", "owner_id", "days", "created_at")
    search_fields = ("=id", "=owner__id")
    fields = ("id", "owner_id", "days", "created_at")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="days hidden")
    def days(self, hidden):
        return (hidden.end - hidden.start).days + 1


@admin.register(FewerKind)
class FewerKindAdmin(ReadOnlyAdmin):
    list_display = ("id", "owner_id", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("=id", "=owner__id")
    fields = ("id", "owner_id", "kind", "created_at")
    readonly_fields = fields
    show_full_result_count = False


@admin.register(PeoplePreference)
class PeoplePreferenceAdmin(ReadOnlyAdmin):
    list_display = ("id", "owner_id", "suggest_unnamed", "updated_at")
    list_filter = ("suggest_unnamed",)
    search_fields = ("=id", "=owner__id")
    fields = ("id", "owner_id", "suggest_unnamed", "updated_at")
    readonly_fields = fields
    show_full_result_count = False


@admin.register(YearReviewRequest)
class YearReviewRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "owner_id", "year", "requested_at")
    search_fields = ("=id", "=owner__id")
    fields = ("id", "owner_id", "year", "requested_at")
    readonly_fields = fields
    show_full_result_count = False
