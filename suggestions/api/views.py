"""API v1 for the library, people and suggestions: thin views over suggestions.services.

Each HTTP method is one operation. Every object is looked up among the requesting person's
own, so another person's object is a 404.
"""

from datetime import datetime, time, timezone as dt_timezone

from django.conf import settings
from django.db.models import Count, F
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.models import Method
from consent.scopes import FACES
from consent.services import scope_granted
from rollweb.api import NewestFirstPagination, PayloadTooLarge, UploadRateThrottle, content_length, errors

from .. import feed, services
from ..analysis.filetypes import HEIC, HEIF, JPEG, MOV, MP4, PNG, WEBP
from ..models import Face, MediaItem, Person, ProcessingRecord, Suggestion
from ..storage import file_response
from . import serializers as s

# Room for the multipart boundaries and the small fields around a file of the largest size.
MULTIPART_OVERHEAD = 64 * 1024

FILE_RESPONSES = {
    302: OpenApiResponse(description="On S3 storage: a redirect to a signed URL that expires within minutes."),
}
ORIGINAL_TYPES = sorted({filetype.mime for filetype in (JPEG, PNG, WEBP, HEIC, HEIF, MP4, MOV)})
ASSET_TYPES = ["image/jpeg", "image/png", "video/mp4", "application/octet-stream"]
# For actions whose path says everything: any body is ignored.
NO_BODY = {"application/json": {"type": "object", "description": "No fields: send {} or nothing."}}


def _binary(types, description):
    return {(200, mime): OpenApiResponse(OpenApiTypes.BINARY, description=description) for mime in types}


def _query(serializer_class, request):
    """Validated query parameters (400 with field errors when they are not)."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _owned_item(request, pk):
    return get_object_or_404(MediaItem.objects.filter(owner=request.user), pk=pk)


class FileView(APIView):
    # Bytes (or a redirect) whatever the client's Accept header asks for: no 406.
    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


# -- sync ---------------------------------------------------------------------------------------


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
        return Response(services.media_check(request.user, serializer.validated_data["sha256"]))


# -- media --------------------------------------------------------------------------------------


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
        return MediaItem.objects.filter(owner=self.request.user).values(*s.MediaItemSerializer.columns)

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
            if not Person.objects.filter(owner=request.user, pk=filters["person"]).exists():
                raise ValidationError({"person": ["No such person among yours."]})
            items = items.filter(pk__in=Face.objects.filter(person_id=filters["person"]).values("media_id"))
        page = self.paginate_queryset(items)
        context = {**self.get_serializer_context(), "faces": s.face_rows([row["id"] for row in page])}
        return self.get_paginated_response(s.MediaItemSerializer(page, many=True, context=context).data)

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
        item = get_object_or_404(MediaItem.objects.filter(owner=request.user).prefetch_related("ledger"), pk=pk)
        return Response(s.MediaDetailSerializer(item, context={"request": request}).data)

    @extend_schema(
        tags=["media"],
        operation_id="media_destroy",
        summary="Delete an item, everything derived from it and its files",
        description="Its hash is remembered, so `check` reports it as `deleted` and a phone does not upload it again.",
        responses={204: None, **errors(401, 404)},
    )
    def delete(self, request, pk):
        services.media_delete(_owned_item(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


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
        item = _owned_item(request, pk)
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
        item = _owned_item(request, pk)
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
        item = _owned_item(request, pk)
        page = self.paginate_queryset(ProcessingRecord.objects.filter(media=item))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# -- people -------------------------------------------------------------------------------------


class PeopleListView(generics.GenericAPIView):
    serializer_class = s.PersonSerializer

    @extend_schema(
        tags=["people"],
        operation_id="people_list",
        summary="The people found in the library, newest first",
        parameters=[s.PeopleFilterSerializer],
        responses={200: s.PersonSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request):
        filters = _query(s.PeopleFilterSerializer, request)
        people = _people(request.user)
        if "hidden" in filters:
            people = people.filter(hidden=filters["hidden"] == "true")
        page = self.paginate_queryset(people)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _people(user):
    """A person's people with what their representation counts, in the same query."""
    people = Person.objects.filter(owner=user)
    return people.annotate(face_count=Count("faces"), cover_media_id=F("cover_face__media_id"))


def _owned_person(request, pk):
    return get_object_or_404(_people(request.user), pk=pk)


def _person_body(request, pk):
    return Response(s.PersonSerializer(_owned_person(request, pk)).data)


def _people_refused(request, refused):
    """A correction the people service turned down: consent to faces is off (403), or what it
    was about is gone meanwhile (404)."""
    code = status.HTTP_404_NOT_FOUND if scope_granted(request.user.pk, FACES) else status.HTTP_403_FORBIDDEN
    return Response({"detail": str(refused)}, status=code)


PEOPLE_403 = "Consent to faces is off: people cannot be changed."


class PersonView(APIView):
    @extend_schema(
        tags=["people"],
        operation_id="people_retrieve",
        summary="One person",
        responses={200: s.PersonSerializer, **errors(401, 404)},
    )
    def get(self, request, pk):
        return _person_body(request, pk)

    @extend_schema(
        tags=["people"],
        operation_id="people_update",
        summary="Name a person, set or clear their birthday, hide or show them",
        description="Send only the fields to change. Hidden people are left out of suggestions; the feed is "
        "refreshed shortly after any change.",
        request=s.PersonUpdateSerializer,
        responses={200: s.PersonSerializer, **errors(400, 401, 403, 404, 415, status_403=PEOPLE_403)},
    )
    def patch(self, request, pk):
        person = _owned_person(request, pk)
        serializer = s.PersonUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            services.person_update(person, **serializer.validated_data)
        except services.PeopleError as refused:
            return _people_refused(request, refused)
        return _person_body(request, pk)


class PersonMergeView(APIView):
    @extend_schema(
        tags=["people"],
        operation_id="people_merge",
        summary="Merge another person into this one",
        description="`other`'s faces join this person, who keeps their id (and their name and birthday, or "
        "takes `other`'s when they have none); `other` is gone afterwards.",
        request=s.PersonMergeSerializer,
        responses={
            200: OpenApiResponse(s.PersonSerializer, description="The person, now with both people's faces."),
            **errors(
                400, 401, 403, 404, 415,
                status_403=PEOPLE_403,
                status_404="No such person among yours: neither the one in the path nor `other` may be another "
                "person's.",
            ),
        },
    )
    def post(self, request, pk):
        person = _owned_person(request, pk)
        serializer = s.PersonMergeSerializer(data=request.data, context={"person": person})
        serializer.is_valid(raise_exception=True)
        other = get_object_or_404(Person.objects.filter(owner=request.user), pk=serializer.validated_data["other"])
        try:
            services.people_merge(person, other)
        except services.PeopleError as refused:
            return _people_refused(request, refused)
        return _person_body(request, pk)


class FaceDetachView(APIView):
    @extend_schema(
        tags=["people"],
        operation_id="faces_detach",
        summary="Take a wrongly grouped face out of its person",
        description="The face becomes a person of its own, which you can name or merge, and which re-grouping "
        "never folds back. Face ids are in a media item's `faces`.",
        request=NO_BODY,
        responses={
            201: OpenApiResponse(s.PersonSerializer, description="The new person, with just this face."),
            **errors(400, 401, 403, 404, status_403=PEOPLE_403, status_404="No such face among yours."),
        },
    )
    def post(self, request, pk):
        face = get_object_or_404(Face.objects.filter(media__owner=request.user), pk=pk)
        try:
            person = services.face_detach(face)
        except services.PeopleError as refused:
            return _people_refused(request, refused)
        return Response(s.PersonSerializer(_owned_person(request, person.pk)).data, status=status.HTTP_201_CREATED)


# -- suggestions --------------------------------------------------------------------------------


class SuggestionListView(generics.GenericAPIView):
    serializer_class = s.SuggestionSerializer

    @extend_schema(
        tags=["suggestions"],
        operation_id="suggestions_list",
        summary="The suggestion feed, newest first",
        description="As on the feed page, nothing showing a person you hid is listed.",
        parameters=[s.SuggestionFilterSerializer],
        responses={200: s.SuggestionSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request):
        filters = _query(s.SuggestionFilterSerializer, request)
        suggestions = feed.suggestions_visible(request.user).values(*s.SuggestionSerializer.columns)
        if "state" in filters:
            suggestions = suggestions.filter(state=filters["state"])
        else:
            suggestions = suggestions.not_dismissed()
        if "kind" in filters:
            suggestions = suggestions.filter(kind=filters["kind"])
        page = self.paginate_queryset(suggestions)
        context = {**self.get_serializer_context(), "media_ids": s.media_ids_of([row["id"] for row in page])}
        return self.get_paginated_response(s.SuggestionSerializer(page, many=True, context=context).data)


def _owned_suggestion(request, pk):
    """As on the pages: one of the person's own suggestions, and a dismissed one is gone for good."""
    return get_object_or_404(Suggestion.objects.filter(owner=request.user).not_dismissed(), pk=pk)


def _suggestion_body(request, suggestion):
    return Response(s.SuggestionSerializer(suggestion, context={"request": request}).data)


SUGGESTION_404 = "No such suggestion among yours, or it was dismissed."


class SuggestionView(APIView):
    @extend_schema(
        tags=["suggestions"],
        operation_id="suggestions_retrieve",
        summary="One suggestion",
        responses={200: s.SuggestionSerializer, **errors(401, 404, status_404=SUGGESTION_404)},
    )
    def get(self, request, pk):
        return _suggestion_body(request, _owned_suggestion(request, pk))


class SuggestionSaveView(APIView):
    @extend_schema(
        tags=["suggestions"],
        operation_id="suggestions_save",
        summary="Keep a suggestion: it stays in the feed until dismissed",
        description="Its collage or video is rendered if it has not been yet (`asset_url` appears once it is).",
        request=NO_BODY,
        responses={200: s.SuggestionSerializer, **errors(400, 401, 404, status_404=SUGGESTION_404)},
    )
    def post(self, request, pk):
        return _suggestion_body(request, feed.suggestion_save(_owned_suggestion(request, pk)))


class SuggestionSeenView(APIView):
    @extend_schema(
        tags=["suggestions"],
        operation_id="suggestions_seen",
        summary="Mark a suggestion as seen (a new one becomes seen; others keep their state)",
        request=NO_BODY,
        responses={200: s.SuggestionSerializer, **errors(400, 401, 404, status_404=SUGGESTION_404)},
    )
    def post(self, request, pk):
        return _suggestion_body(request, feed.suggestion_seen(_owned_suggestion(request, pk)))


class SuggestionDismissView(APIView):
    @extend_schema(
        tags=["suggestions"],
        operation_id="suggestions_dismiss",
        summary="Dismiss a suggestion for good",
        description="Its rendered visual is deleted and it is never suggested again; afterwards it answers 404 "
        "(it is listed only with `state=dismissed`).",
        request=NO_BODY,
        responses={204: None, **errors(400, 401, 404, status_404=SUGGESTION_404)},
    )
    def post(self, request, pk):
        feed.suggestion_dismiss(_owned_suggestion(request, pk), method=Method.API)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SuggestionAssetView(FileView):
    @extend_schema(
        tags=["suggestions"],
        operation_id="suggestions_asset",
        summary="The rendered collage or video (no GPS or other EXIF)",
        responses={
            **_binary(ASSET_TYPES, "The asset; Content-Type is the suggestion's `asset_mime`."),
            **FILE_RESPONSES,
            **errors(401, 404, status_404="No such suggestion among yours, dismissed, or nothing rendered for it."),
        },
    )
    def get(self, request, pk):
        suggestion = _owned_suggestion(request, pk)
        if not suggestion.asset:
            raise Http404("Nothing has been rendered for this suggestion.")
        extension = suggestion.asset.name.rsplit(".", 1)[-1]
        return file_response(
            suggestion.asset.name,
            suggestion.asset_mime or "application/octet-stream",
            download_name=f"rollweb-{suggestion.kind}-{suggestion.pk}.{extension}",
        )
