"""API v1 for the library and sync: thin views over suggestions.library.

Each HTTP method is one operation. Every object is looked up among the requesting person's
own, so another person's object is a 404.
"""

from datetime import datetime, time, timezone as dt_timezone

from django.conf import settings
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.services import active_grants
from rollweb.api import NewestFirstPagination, PayloadTooLarge, UploadRateThrottle, content_length, errors
from rollweb.storage import file_response

from ..analysis.filetypes import HEIC, HEIF, JPEG, MOV, MP4, PNG, WEBP
from ..library import search, selectors, services
from ..models import ProcessingRecord
from ..people import selectors as people_selectors
from . import serializers as s
from .common import FILE_RESPONSES, FileView, _binary, _query

# Room for the multipart boundaries and the small fields around a file of the largest size.
MULTIPART_OVERHEAD = 64 * 1024
ORIGINAL_TYPES = sorted({filetype.mime for filetype in (JPEG, PNG, WEBP, HEIC, HEIF, MP4, MOV)})


class MediaCheckView(APIView):
    @extend_schema(
        tags=["sync"],
        operation_id="media_check",
        summary="Which of these files the server lacks",
        description=(
            "A phone sends the SHA-256 of the items on it and uploads only the `missing` ones. `deleted` lists "
            "files the person deleted on the server: do not upload them again. One database query."
        ),
        request=s.CheckSerializer,
        responses={200: s.CheckResultSerializer, **errors(400, 401, 413, 415)},
    )
    def post(self, request):
        serializer = s.CheckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(selectors.media_check(request.user, serializer.validated_data["sha256"]))


class MediaCollectionView(generics.GenericAPIView):
    serializer_class = s.MediaItemSerializer
    parser_classes = [MultiPartParser]

    def get_throttles(self):
        return [UploadRateThrottle()] if self.request.method == "POST" else super().get_throttles()

    def initial(self, request, *args, **kwargs):
        # Refuse an oversized upload from its Content-Length, before a byte of the body is read.
        if request.method == "POST" and content_length(request) > settings.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
            raise PayloadTooLarge(services.too_large_message())
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.media_of(self.request.user).values(*s.MediaItemSerializer.columns)

    @extend_schema(
        tags=["media"],
        operation_id="media_list",
        summary="The library, newest first",
        parameters=[s.MediaFilterSerializer],
        responses={200: s.MediaItemSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request):
        filters = _query(s.MediaFilterSerializer, request)
        items = self.get_queryset()
        if "status" in filters:
            items = items.filter(status=filters["status"])
        if "kind" in filters:
            items = items.filter(kind=filters["kind"])
        if "captured_from" in filters:
            items = items.filter(captured_at__gte=datetime.combine(filters["captured_from"], time.min, dt_timezone.utc))
        if "captured_to" in filters:
            items = items.filter(captured_at__lte=datetime.combine(filters["captured_to"], time.max, dt_timezone.utc))
        if "person" in filters:
            if not people_selectors.person_exists(request.user, filters["person"]):
                raise ValidationError({"person": ["No such person among yours."]})
            items = items.filter(pk__in=people_selectors.media_ids_showing(filters["person"]))
        found = None
        if filters.get("q"):
            found = search.search_read(request.user, active_grants(request.user.pk), filters["q"])
            items = search.search_filter(items, request.user, found)
        page = self.paginate_queryset(items)
        context = {**self.get_serializer_context(), "faces": s.face_rows([row["id"] for row in page])}
        response = self.get_paginated_response(s.MediaItemSerializer(page, many=True, context=context).data)
        if found is not None:
            response.data["query"] = search.search_summary(found)
        return response

    @extend_schema(
        tags=["media", "sync"],
        operation_id="media_upload",
        summary="Upload one photo or video",
        description=(
            "Multipart form data with the file in `file`. The same bytes uploaded again answer 200 with the "
            "item already stored (nothing is stored twice). Automatic uploads (`automatic=true`) need consent to "
            "sync and are refused with 409 for files their owner deleted on the server."
        ),
        request={"multipart/form-data": s.UploadSerializer},
        responses={
            201: OpenApiResponse(s.MediaItemSerializer, description="Stored; analysis has started."),
            200: OpenApiResponse(s.MediaItemSerializer, description="Already in the library: the same item."),
            **errors(
                400, 401, 403, 409, 413, 415, 429, 503,
                status_400="Not a supported photo or video, empty, a field is invalid, or the bytes do not match "
                "`sha256` (nothing is stored).",
                status_403="Uploads need consent to library; automatic ones also consent to sync.",
                status_409="An automatic upload of a file its owner deleted on the server.",
                status_413=f"Larger than the server's limit (MAX_UPLOAD_BYTES, {settings.MAX_UPLOAD_BYTES:,} bytes "
                "here).",
            ),
        },
    )
    def post(self, request):
        serializer = s.UploadSerializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "oversized_uploads", None):
                raise PayloadTooLarge(services.too_large_message())
            raise ValidationError(serializer.errors)
        data = serializer.validated_data
        upload = data["file"]
        try:
            item, created = services.media_upload(
                request.user,
                upload,
                client_sha256=data.get("sha256") or "",
                name=data.get("original_name") or upload.name,
                automatic=data["automatic"],
                device_asset_id=data["device_asset_id"],
                captured_hint=data.get("captured_at") or None,
            )
        except services.UploadRefused as refused:
            return Response({"detail": refused.message}, status=refused.status)
        body = self.get_serializer(item).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class MediaItemView(APIView):
    @extend_schema(
        tags=["media"],
        operation_id="media_retrieve",
        summary="One item, with what its analysis found",
        responses={200: s.MediaDetailSerializer, **errors(401, 404)},
    )
    def get(self, request, pk):
        item = selectors.media_owned(request.user, pk, selectors.media_of(request.user).prefetch_related("ledger"))
        return Response(s.MediaDetailSerializer(item, context={"request": request}).data)

    @extend_schema(
        tags=["media"],
        operation_id="media_destroy",
        summary="Delete an item, everything derived from it and its files",
        description="Its hash is remembered, so `check` reports it as `deleted` and a phone does not upload it again.",
        responses={204: None, **errors(401, 404)},
    )
    def delete(self, request, pk):
        services.media_delete(selectors.media_owned(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MediaBulkDeleteView(APIView):
    @extend_schema(
        tags=["media"],
        operation_id="media_bulk_delete",
        summary="Delete several items, each with everything derived from it and its files",
        description=(
            "Each is deleted as `DELETE /api/v1/media/{id}/` would (its hash remembered as `deleted`). Ids of no "
            "item of yours are listed in `not_found` and nothing happens to them."
        ),
        request=s.BulkDeleteSerializer,
        responses={200: s.BulkDeleteResultSerializer, **errors(400, 401, 413, 415)},
    )
    def post(self, request):
        serializer = s.BulkDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        asked = list(dict.fromkeys(serializer.validated_data["ids"]))
        deleted = services.media_delete_many(request.user, asked)
        gone = set(deleted)
        return Response({"deleted": deleted, "not_found": [pk for pk in asked if pk not in gone]})


class MediaThumbnailView(FileView):
    @extend_schema(
        tags=["media"],
        operation_id="media_thumbnail",
        summary="A JPEG preview (400 px, or 1280 px with size=large)",
        parameters=[s.ThumbnailSizeSerializer],
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="The preview."),
            **FILE_RESPONSES,
            **errors(400, 401, 404, status_404="No such item among yours, or no preview yet."),
        },
    )
    def get(self, request, pk):
        size = _query(s.ThumbnailSizeSerializer, request)["size"]
        item = selectors.media_owned(request.user, pk)
        field = item.thumb_large if size == "large" else item.thumb_small
        if not field:
            raise Http404("This item has no preview yet.")
        return file_response(field.name, "image/jpeg")


class MediaOriginalView(FileView):
    @extend_schema(
        tags=["media"],
        operation_id="media_original",
        summary="The original file, byte for byte, as an attachment",
        responses={
            **_binary(ORIGINAL_TYPES, "The original; Content-Type is the item's `mime`."),
            **FILE_RESPONSES,
            **errors(401, 404),
        },
    )
    def get(self, request, pk):
        item = selectors.media_owned(request.user, pk)
        return file_response(item.original.name, item.mime, download_name=item.original_name)


class LedgerPagination(NewestFirstPagination):
    page_size = 100
    ordering = ("started_at", "id")


class MediaLedgerView(generics.GenericAPIView):
    serializer_class = s.LedgerRecordSerializer
    pagination_class = LedgerPagination

    @extend_schema(
        tags=["media"],
        operation_id="media_ledger",
        summary="What was done with this item, when, and under which consent (oldest first)",
        responses={200: s.LedgerRecordSerializer(many=True), **errors(400, 401, 404)},
    )
    def get(self, request, pk):
        item = selectors.media_owned(request.user, pk)
        page = self.paginate_queryset(ProcessingRecord.objects.filter(media=item))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
