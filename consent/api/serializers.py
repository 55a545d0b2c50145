"""Representations of the consent and account API (field names are part of the contract)."""

from django.urls import reverse
from rest_framework import serializers

from .. import scopes
from ..models import ConsentEvent, Export



def scope_list():
    return serializers.ListField(child=serializers.ChoiceField(choices=scopes.ORDER), allow_empty=False)


class ScopeStateSerializer(serializers.Serializer):
    scope = serializers.CharField(source="key")
    title = serializers.CharField(source="scope.title")
    description = serializers.CharField(source="scope.allows")
    erases = serializers.CharField(source="scope.erases")
    retention = serializers.CharField(source="scope.retention_text")
    sensitive = serializers.BooleanField(source="scope.sensitive")
    granted = serializers.BooleanField()
    paused = serializers.BooleanField(help_text="granted under an older notice: asked again, nothing runs meanwhile")
    renewal_due = serializers.BooleanField(help_text="a time-limited consent (faces) that ends within 30 days")
    granted_at = serializers.DateTimeField(source="grant.granted_at", default=None, allow_null=True)
    expires_at = serializers.DateTimeField(source="grant.expires_at", default=None, allow_null=True)
    notice_version = serializers.CharField(source="grant.notice_version", default=None, allow_null=True)
    grant_id = serializers.UUIDField(source="grant.receipt_id", default=None, allow_null=True)


class ConsentStateSerializer(serializers.Serializer):
    notice_version = serializers.CharField()
    scopes = ScopeStateSerializer(many=True)


class GrantSerializer(serializers.Serializer):
    scopes = scope_list()
    notice_version = serializers.CharField(help_text="the version of the notice the person was shown")
    biometric_confirmed = serializers.BooleanField(
        default=False,
        help_text="required with faces: the person confirmed the face recognition notice (purpose, retention, "
        "withdrawal) in its own step",
    )
    renew = serializers.BooleanField(default=False, help_text="renew a time-limited consent (faces) already in force")


class GrantResultSerializer(ConsentStateSerializer):
    granted = serializers.ListField(child=serializers.CharField())


class RevokeSerializer(serializers.Serializer):
    scopes = scope_list()


class RevokeResultSerializer(serializers.Serializer):
    revoked = serializers.ListField(child=serializers.CharField())
    erased = serializers.DictField(child=serializers.IntegerField())
    erasing = serializers.ListField(
        child=serializers.CharField(),
        help_text="Scopes with too much to erase at once: nothing of them is used or shown from now on, and a worker "
        "erases them in chunks; the consent history's erasure event carries their counts when done.",
    )


class ConsentEventSerializer(serializers.ModelSerializer):
    grant_id = serializers.UUIDField(source="receipt_id", allow_null=True)

    class Meta:
        model = ConsentEvent
        fields = ["id", "at", "kind", "scope", "notice_version", "method", "grant_id", "counts", "detail"]


class ExportSerializer(serializers.ModelSerializer):
    progress = serializers.IntegerField(source="percent", help_text="percent done")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id", "status", "progress", "done", "total", "bytes", "failure_reason", "created_at", "finished_at",
            "expires_at", "download_url",
        ]

    def get_download_url(self, export) -> str | None:
        if not export.downloadable():
            return None
        path = reverse("api-account-export-download", args=[export.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    def validate_password(self, password):
        if not self.context["request"].user.check_password(password):
            raise serializers.ValidationError("That is not your password; nothing was deleted.")
        return password


class AccountDeletedSerializer(serializers.Serializer):
    consent_record = serializers.UUIDField()
    erased = serializers.DictField(child=serializers.IntegerField())
