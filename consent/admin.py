"""Operators see consent states and history; they can neither grant nor revoke for anyone."""

from django.contrib import admin, messages

from .erasing import erasure_retry
from .models import ConsentEvent, ConsentRecord, Erasure, Export, Grant


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "record", "kind", "scope", "method", "counts")
    list_filter = ("kind", "scope", "method")
    date_hierarchy = "at"
    search_fields = ("record__id", "record__user__username", "receipt_id")


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ("granted_at", "record", "scope", "method", "notice_version", "expires_at", "ended_at", "end_reason")
    list_filter = ("scope", "method", "end_reason")
    search_fields = ("record__id", "record__user__username", "receipt_id")


class GrantInline(admin.TabularInline):
    model = Grant
    fields = ("scope", "granted_at", "expires_at", "ended_at", "end_reason", "notice_version", "method")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "created_at", "onboarded_at")
    search_fields = ("id", "user__username")
    inlines = [GrantInline]


@admin.register(Export)
class ExportAdmin(ReadOnlyAdmin):
    """States and sizes only: operators cannot download anyone's export (no file field, no link)."""

    list_display = ("created_at", "user", "status", "percent", "bytes", "finished_at", "expires_at", "failure_reason")
    list_filter = ("status",)
    fields = (
        "id", "user", "status", "done", "total", "bytes", "failure_reason", "created_at", "started_at", "finished_at",
        "expires_at", "attempts",
    )
    readonly_fields = fields
    search_fields = ("=id", "user__username")


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdmin):
    """Erasure requests: scope, state and counts; one that gave up can be queued again."""

    list_display = ("created_at", "record", "scope", "status", "chunks", "counts", "attempts", "finished_at")
    list_filter = ("status", "scope")
    fields = ("record", "scope", "method", "status", "chunks", "counts", "progress", "attempts", "created_at",
              "lease_expires_at", "finished_at")
    readonly_fields = fields
    actions = ["retry"]

    def has_change_permission(self, request, obj=None):
        return obj is None and request.user.is_superuser

    @admin.action(description="Queue the selected failed erasures again")
    def retry(self, request, queryset):
        retried = 0
        for erasure in queryset.filter(status=Erasure.Status.FAILED):
            if erasure_retry(erasure):
                self.log_change(request, erasure, "Queued the erasure again.")
                retried += 1
        self.message_user(request, f"Queued {retried} erasure(s) again.", messages.SUCCESS)
