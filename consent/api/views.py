"""Consent and account API: one view per operation, each calling the same services as the pages."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from rollweb.api import ErrorSerializer, NewestFirstPagination, errors
from rollweb.storage import file_response

from .. import export, scopes, services
from ..account import account_erase
from ..models import Method
from ..receipt import receipt_build
from ..selectors import export_owned
from .serializers import (
    AccountDeletedSerializer,
    AccountDeleteSerializer,
    ConsentEventSerializer,
    ConsentStateSerializer,
    ExportSerializer,
    GrantResultSerializer,
    GrantSerializer,
    RevokeResultSerializer,
    RevokeSerializer,
)


def _state(user):
    return {"notice_version": scopes.notice_version(), "scopes": services.consent_state(user)}


class ConsentStateView(APIView):
    @extend_schema(
        tags=["consent"],
        responses={200: ConsentStateSerializer, **errors(401)},
        summary="The notice version and each scope's state",
    )
    def get(self, request):
        return Response(ConsentStateSerializer(_state(request.user)).data)


class ConsentGrantView(APIView):
    @extend_schema(
        tags=["consent"],
        request=GrantSerializer,
        responses={200: GrantResultSerializer, **errors(400, 401)},
        summary="Grant scopes under the notice the person was shown",
    )
    def post(self, request):
        data = GrantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        try:
            grants = services.scopes_grant(
                request.user,
                fields["scopes"],
                notice_version=fields["notice_version"],
                method=Method.API,
                biometric_confirmed=fields["biometric_confirmed"],
                renew=fields["renew"],
            )
        except services.ConsentError as exc:
            raise serializers.ValidationError({exc.field: [str(exc)]}) from None
        result = {**_state(request.user), "granted": [grant.scope for grant in grants]}
        return Response(GrantResultSerializer(result).data)


class ConsentRevokeView(APIView):
    @extend_schema(
        tags=["consent"],
        request=RevokeSerializer,
        responses={200: RevokeResultSerializer, **errors(400, 401)},
        summary="Withdraw scopes and erase what was derived under them",
    )
    def post(self, request):
        data = RevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        revocation = services.scopes_revoke(request.user, data.validated_data["scopes"], method=Method.API)
        return Response(
            {"revoked": revocation.revoked, "erased": dict(revocation.erased), "erasing": revocation.erasing}
        )


class EventPagination(NewestFirstPagination):
    ordering = ("-at", "-id")


@extend_schema(tags=["consent"], summary="The person's consent history, newest first", responses={
    200: ConsentEventSerializer(many=True), **errors(400, 401)})
class ConsentEventListView(generics.ListAPIView):
    serializer_class = ConsentEventSerializer
    pagination_class = EventPagination

    def get_queryset(self):
        return services.consent_events(self.request.user)


class ConsentReceiptView(APIView):
    @extend_schema(
        tags=["consent"],
        responses={
            200: OpenApiResponse(description="the consent receipt (ISO/IEC TS 27560 record fields)"),
            **errors(401),
        },
        summary="The person's consent receipt",
    )
    def get(self, request):
        privacy_url = request.build_absolute_uri(reverse("consent:privacy"))
        return Response(receipt_build(request.user, privacy_url=privacy_url))


class AccountExportView(APIView):
    @extend_schema(
        tags=["account"],
        request={"application/json": {"type": "object", "description": "No fields: send {} or nothing."}},
        responses={202: ExportSerializer, 200: ExportSerializer, **errors(400, 401)},
        summary="Start a data export (or return the one under way)",
    )
    def post(self, request):
        started, created = export.export_request(request.user)
        return Response(
            ExportSerializer(started, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
        )


class AccountExportDetailView(APIView):
    @extend_schema(
        tags=["account"],
        responses={200: ExportSerializer, **errors(401, 404)},
        summary="An export's progress and, when ready, its download link",
    )
    def get(self, request, pk):
        started = export_owned(request.user, pk)
        return Response(ExportSerializer(started, context={"request": request}).data)


class AccountExportDownloadView(APIView):
    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(description="the zip, or a redirect to a short-lived signed URL"),
            410: OpenApiResponse(ErrorSerializer, description="not ready, or expired: ask for a new export"),
            **errors(401, 404),
        },
        tags=["account"],
        summary="Download a ready export (owner only, for 24 hours)",
    )
    def get(self, request, pk):
        started = export_owned(request.user, pk)
        if not started.downloadable():
            return Response({"detail": "This export is not ready or has expired."}, status=status.HTTP_410_GONE)
        return file_response(started.file.name, "application/zip", download_name=export.download_name(started))


class AccountView(APIView):
    @extend_schema(
        tags=["account"],
        request=AccountDeleteSerializer,
        responses={200: AccountDeletedSerializer, **errors(400, 401)},
        summary="Erase the account and everything in it; only a pseudonymous consent record remains",
    )
    def delete(self, request):
        data = AccountDeleteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        record_id, counts = account_erase(request.user, method=Method.API)
        erased = {key: value for key, value in sorted(counts.items()) if value}
        return Response({"consent_record": record_id, "erased": erased})
