"""API v1 resumable uploads: a large file in numbered chunks that survive a lost connection.
Thin views over suggestions.library.resumable; another person's upload id is a 404."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from rollweb.api import UploadRateThrottle, content_length, errors

from ..library import resumable, selectors
from ..library.services import UploadRefused
from ..models import ChunkedUpload
from .serializers import SHA256, MediaItemSerializer

TAGS = ["uploads"]
PROTOCOL = (
    "Resumable uploads, for files too large to send in one request over an unreliable network. "
    "1) `POST /api/v1/uploads/` with the file's `name`, `size` and (recommended) `sha256`: the answer gives the "
    "upload's `id` and `chunk_size`. 2) `PUT /api/v1/uploads/{id}/chunks/{index}/` with the raw bytes of chunk "
    "`index` (0-based; every chunk holds `chunk_size` bytes, the last one the rest), in any order, several at once "
    "if you like. 3) After a lost connection, `GET /api/v1/uploads/{id}/` lists the chunks the server has "
    "(`received`) and those it lacks (`missing`): send only the missing ones. 4) `POST …/complete/`: the server "
    "puts the chunks together, checks the SHA-256 and keeps the file as `POST /api/v1/media/` would (201 new, "
    "200 already in the library). An upload untouched for a day is dropped, with its chunks."
)


class UploadStartSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=1000, help_text="The file's name on the device.")
    size = serializers.IntegerField(min_value=0, help_text="The whole file's size in bytes.")
    sha256 = serializers.RegexField(
        SHA256, required=False, allow_blank=True, default="",
        help_text="The whole file's SHA-256 (hex). Completing fails with 400 if the bytes differ. If the person "
        "already has this file, the upload is `done` at once and nothing needs sending.",
    )


class UploadCompleteSerializer(serializers.Serializer):
    sha256 = serializers.RegexField(
        SHA256, required=False, allow_blank=True, default="",
        help_text="The whole file's SHA-256, if it was not sent when the upload started.",
    )


class UploadStateSerializer(serializers.ModelSerializer):
    chunk_count = serializers.IntegerField(read_only=True)
    received = serializers.ListField(child=serializers.IntegerField(), read_only=True,
                                     help_text="Indexes of the chunks the server has.")
    missing = serializers.ListField(child=serializers.IntegerField(), read_only=True,
                                    help_text="Indexes of the chunks still to send.")
    media = serializers.SerializerMethodField(help_text="The library item, once `done`.")

    class Meta:
        model = ChunkedUpload
        fields = ["id", "name", "size", "chunk_size", "chunk_count", "state", "received", "missing",
                  "bytes_received", "media", "created_at", "updated_at"]

    @extend_schema_field(MediaItemSerializer(allow_null=True))
    def get_media(self, upload):
        if upload.media is None:
            return None
        return MediaItemSerializer(upload.media, context=self.context).data


def _refused(refused):
    return Response({"detail": refused.message}, status=refused.status)


def _state(upload, request, code=status.HTTP_200_OK):
    return Response(UploadStateSerializer(upload, context={"request": request}).data, status=code)


class UploadStartView(APIView):
    def get_throttles(self):
        return [UploadRateThrottle()]

    @extend_schema(
        tags=TAGS,
        operation_id="upload_start",
        summary="Start a resumable upload",
        description=PROTOCOL,
        request=UploadStartSerializer,
        responses={
            201: OpenApiResponse(UploadStateSerializer, description="Started: send the chunks."),
            200: OpenApiResponse(UploadStateSerializer, description="Already in the library: `done`, see `media`."),
            **errors(400, 401, 403, 413, 429, 503, status_403="Uploads need consent to library.",
                     status_413=f"`size` is over the server's limit ({settings.MAX_UPLOAD_BYTES:,} bytes here)."),
        },
    )
    def post(self, request):
        serializer = UploadStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            upload = resumable.resumable_start(request.user, data["name"], data["size"], data["sha256"])
        except UploadRefused as refused:
            return _refused(refused)
        done = upload.state == ChunkedUpload.State.DONE
        return _state(upload, request, status.HTTP_200_OK if done else status.HTTP_201_CREATED)


class UploadView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="upload_state",
        summary="Which chunks the server has",
        responses={200: UploadStateSerializer, **errors(401, 404)},
    )
    def get(self, request, pk):
        return _state(selectors.upload_owned(request.user, pk), request)

    @extend_schema(
        tags=TAGS,
        operation_id="upload_cancel",
        summary="Cancel an upload and delete its chunks",
        responses={204: None, **errors(401, 404)},
    )
    def delete(self, request, pk):
        resumable.resumable_drop(selectors.upload_owned(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class UploadChunkView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="upload_chunk",
        summary="Send one chunk (raw bytes)",
        description="The body is the chunk's bytes, exactly `chunk_size` (the last chunk: the rest of the file). "
        "A chunk the server has already is answered 200 and not stored again.",
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={
            200: UploadStateSerializer,
            **errors(400, 401, 403, 404, 409, 413, 503, status_400="The index is out of range or the body is "
                     "shorter than this chunk.", status_409="The upload is complete.",
                     status_413="The body is longer than this chunk."),
        },
    )
    def put(self, request, pk, index):
        upload = selectors.upload_owned(request.user, pk)
        declared = content_length(request) if request.META.get("CONTENT_LENGTH") else None
        try:
            upload = resumable.resumable_chunk(upload, index, request._request, declared)
        except UploadRefused as refused:
            return _refused(refused)
        return _state(upload, request)


class UploadCompleteView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="upload_complete",
        summary="Put the chunks together and keep the file",
        description="Checks the SHA-256 and keeps the file as `POST /api/v1/media/` does; asking again after "
        "success answers the same item. A refusal (a wrong hash, a file that is not a photo or video, no "
        "consent) deletes the upload and its chunks; 409 lists chunks still missing.",
        request=UploadCompleteSerializer,
        responses={
            201: OpenApiResponse(UploadStateSerializer, description="Kept: `media` is the new item."),
            200: OpenApiResponse(UploadStateSerializer, description="Already in the library: the same item."),
            **errors(400, 401, 403, 404, 409, 413, 503, status_400="The bytes do not match `sha256`, or not a "
                     "supported photo or video (nothing is stored).", status_409="Chunks are missing."),
        },
    )
    def post(self, request, pk):
        upload = selectors.upload_owned(request.user, pk)
        serializer = UploadCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            upload, created = resumable.resumable_complete(upload, serializer.validated_data["sha256"])
        except UploadRefused as refused:
            return _refused(refused)
        return _state(upload, request, status.HTTP_201_CREATED if created else status.HTTP_200_OK)
