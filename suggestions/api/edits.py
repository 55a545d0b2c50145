"""API v1 edits: save an edit suggestion in a frame, and the saved edits (renditions) with their
files; thin views over suggestions.edits."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from rollweb.api import errors
from rollweb.storage import file_response

from ..edits import selectors, services
from ..generators.edit import FRAMES
from ..models import Rendition
from .common import FileView, _binary
from .serializers import _url

RENDITION_404 = "No such saved edit among yours."


class RenditionSerializer(serializers.ModelSerializer):
    media_id = serializers.IntegerField(read_only=True)
    suggestion_id = serializers.IntegerField(read_only=True, allow_null=True)
    file_url = serializers.SerializerMethodField(help_text="The edited JPEG (no EXIF), once it is ready.")

    class Meta:
        model = Rendition
        fields = [
            "id", "media_id", "suggestion_id", "frame", "state", "failure_reason", "width", "height", "bytes",
            "file_url", "created_at",
        ]
        read_only_fields = fields

    def get_file_url(self, rendition) -> str | None:
        return _url(self.context, "api-rendition-file", rendition.pk) if rendition.file else None


class EditSaveSerializer(serializers.Serializer):
    frame = serializers.ChoiceField(
        choices=list(FRAMES), default="original", help_text="The shape to save it in; shapes that would cut a face "
        "are refused."
    )


class EditSaveView(generics.GenericAPIView):
    serializer_class = RenditionSerializer

    @extend_schema(
        tags=["suggestions"],
        operation_id="suggestions_save_edit",
        summary="Save an edit suggestion in a frame, as a new picture beside the original",
        description="The original is never changed. The edit is made in the background: `state` is `pending` "
        "until `file_url` appears. Saving the same frame again answers the same saved edit.",
        request=EditSaveSerializer,
        responses={
            201: OpenApiResponse(RenditionSerializer, description="The saved edit."),
            **errors(400, 401, 404, status_404="No such edit suggestion among yours, or it was dismissed."),
        },
    )
    def post(self, request, pk):
        suggestion = selectors.edit_suggestion_owned(request.user, pk)
        data = EditSaveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            rendition = services.edit_save(suggestion, data.validated_data["frame"])
        except services.EditRefused as refused:
            raise serializers.ValidationError({"frame": [str(refused)]}) from None
        return Response(self.get_serializer(rendition).data, status=status.HTTP_201_CREATED)


class RenditionListView(generics.GenericAPIView):
    serializer_class = RenditionSerializer

    @extend_schema(
        tags=["edits"],
        operation_id="renditions_list",
        summary="Your saved edits, newest first",
        responses={200: RenditionSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.renditions_of(request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class RenditionView(generics.GenericAPIView):
    serializer_class = RenditionSerializer

    @extend_schema(
        tags=["edits"], operation_id="renditions_retrieve", summary="One saved edit",
        responses={200: RenditionSerializer, **errors(401, 404, status_404=RENDITION_404)},
    )
    def get(self, request, pk):
        return Response(self.get_serializer(selectors.rendition_owned(request.user, pk)).data)

    @extend_schema(
        tags=["edits"], operation_id="renditions_destroy",
        summary="Delete a saved edit (the original stays as it is); its share links end",
        responses={204: None, **errors(401, 404, status_404=RENDITION_404)},
    )
    def delete(self, request, pk):
        services.renditions_delete(Rendition.objects.filter(pk=selectors.rendition_owned(request.user, pk).pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RenditionFileView(FileView):
    @extend_schema(
        tags=["edits"],
        operation_id="renditions_file",
        summary="The edited picture",
        description="A JPEG with no EXIF; on S3 storage a 302 to a signed URL valid for minutes.",
        responses={
            **_binary(["image/jpeg"], "The edited picture."),
            302: OpenApiResponse(description="Redirect to a short-lived signed URL (S3 storage)."),
            **errors(401, 404, status_404="No such saved edit among yours, or it is not ready yet."),
        },
    )
    def get(self, request, pk):
        rendition = selectors.rendition_owned(request.user, pk, ready=True)
        return file_response(rendition.file.name, "image/jpeg", download_name=rendition.download_name)
