"""Operators see consent states and history; they can neither grant nor revoke for anyone."""

from django.contrib import admin

from .models import ConsentEvent, ConsentRecord, Export, Grant


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
