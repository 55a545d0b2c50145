"""The operators' view of accounts: consent state and counts, never content.

Operators can deactivate an account, but cannot act as its owner: they cannot set its
password, mint an API token for it, delete it (which would bypass the erasure of its files),
or see its photos. Changes are logged by the admin (LogEntry).
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch

from consent.models import Grant
from consent.scopes import ORDER, SCOPES

from .operators import with_counts

User = get_user_model()

if admin.site.is_registered(User):
    admin.site.unregister(User)


class LoggedAccessAttemptAdmin(AccessAttemptAdmin):
    """Sign-in lockouts, without django-axes' clean-up action (it bypasses the admin's log)."""

    actions = ["delete_selected"]


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, LoggedAccessAttemptAdmin)


def _counted(annotation, description):
    """A column showing one of rollweb.operators.with_counts' annotations."""

    @admin.display(description=description, ordering=annotation)
    def column(self, user):
        return getattr(user, annotation)

    return column


@admin.register(User)
class OperatorUserAdmin(UserAdmin):
    list_display = (
        "username", "is_active", "is_staff", "date_joined", "last_login", "consent", "media_count", "failed_count",
        "face_count", "people_count", "suggestion_count",
    )
    list_filter = ("is_active", "is_staff", "date_joined")
    readonly_fields = ("consent", "media_count", "failed_count", "face_count", "people_count", "suggestion_count")
    customer_fieldsets = (
        (None, {"fields": ("username", "is_active")}),
        ("Consent and data", {"fields": readonly_fields}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )

    def get_queryset(self, request):
        open_grants = Prefetch("consent_record__grants", queryset=Grant.objects.current(), to_attr="open_grants")
        return with_counts(super().get_queryset(request)).select_related("consent_record").prefetch_related(open_grants)

    def _customer(self, obj):
        return obj is not None and not obj.is_staff and not obj.is_superuser

    def get_fieldsets(self, request, obj=None):
        return self.customer_fieldsets if self._customer(obj) else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if self._customer(obj):
            return ("username", "date_joined", "last_login", *self.readonly_fields)
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def user_change_password(self, request, id, form_url=""):
        if self._customer(self.get_object(request, id)):
            raise PermissionDenied("Operators cannot set a customer's password; they can reset it by email themselves.")
        return super().user_change_password(request, id, form_url)

    @admin.display(description="consent")
    def consent(self, user):
        record = getattr(user, "consent_record", None)
        grants = getattr(record, "open_grants", []) if record else []
        parts = [
            grant.scope if grant.notice_version == SCOPES[grant.scope].notice_version else f"{grant.scope} (paused)"
            for grant in sorted(grants, key=lambda g: ORDER.index(g.scope))
        ]
        return ", ".join(parts) or "nothing granted"

    media_count = _counted("media_count", "media")
    failed_count = _counted("failed_count", "failed")
    face_count = _counted("face_count", "faces")
    people_count = _counted("people_count", "people")
    suggestion_count = _counted("suggestion_count", "suggestions")
