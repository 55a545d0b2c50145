"""API v1 for the suggestion feed: list, one, save, seen, dismiss and the rendered asset; thin
views over suggestions.feed. Another person's suggestions, and dismissed ones, are a 404."""

from collections import defaultdict

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.models import Method
from rollweb.api import errors
from rollweb.storage import file_response

from ..feed import selectors, services
from ..models import Suggestion, SuggestionItem
from .common import FILE_RESPONSES, NO_BODY, FileView, _binary, _query
from .serializers import NULLABLE_URL, _datetime, _row, _url

ASSET_TYPES = ["image/jpeg", "image/png", "video/mp4", "application/octet-stream"]


def media_ids_of(suggestion_ids):
    """The ordered item ids of some suggestions, by suggestion id, in one query."""
    media = defaultdict(list)
    rows = SuggestionItem.objects.filter(suggestion_id__in=suggestion_ids).order_by("suggestion_id", "position")
    for suggestion_id, media_id in rows.values_list("suggestion_id", "media_id"):
        media[suggestion_id].append(media_id)
    return media


class SuggestionSerializer(serializers.ModelSerializer):
    """Built by hand, like MediaItemSerializer; put `media_ids` (from media_ids_of) in the context."""

    media_ids = serializers.SerializerMethodField()
    asset_url = serializers.SerializerMethodField()
    soundtrack = serializers.SerializerMethodField(help_text="A recap video's music (always false for other kinds).")

    class Meta:
        model = Suggestion
        fields = [
            "id", "kind", "title", "reason", "state", "media_ids", "asset_url", "asset_mime", "soundtrack",
            "occasion_date", "created_at",
        ]
        read_only_fields = fields

    columns = [
        "id", "kind", "title", "reason", "state", "asset", "asset_mime", "soundtrack", "occasion_date", "created_at",
    ]

    def to_representation(self, suggestion):
        row = _row(suggestion, self.columns)
        context = self.context  # a property that walks up to the list's root at each use
        return {
            "id": row["id"],
            "kind": row["kind"],
            "title": row["title"],
            "reason": row["reason"],
            "state": row["state"],
            "media_ids": self.get_media_ids(row, context),
            "asset_url": _url(context, "api-suggestion-asset", row["id"]) if row["asset"] else None,
            "asset_mime": row["asset_mime"],
            "soundtrack": self.get_soundtrack(row),
            "occasion_date": row["occasion_date"].isoformat() if row["occasion_date"] else None,
            "created_at": _datetime(row["created_at"], context),
        }

    def get_media_ids(self, suggestion, context=None) -> list[int]:
        pk = _row(suggestion, ["id"])["id"]
        media = (context or self.context).get("media_ids")
        if media is None:
            media = media_ids_of([pk])
        return media.get(pk, [])

    def get_soundtrack(self, suggestion) -> bool:
        row = _row(suggestion, ["kind", "soundtrack"])
        return row["soundtrack"] and row["kind"] in services.VIDEO_KINDS

    @extend_schema_field(NULLABLE_URL)
    def get_asset_url(self, suggestion) -> str | None:
        return _url(self.context, "api-suggestion-asset", suggestion.pk) if suggestion.asset else None


class SuggestionFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=Suggestion.State.values, required=False, help_text="Without it, every state but dismissed."
    )
    kind = serializers.CharField(required=False, max_length=30)


class SuggestionListView(generics.GenericAPIView):
    serializer_class = SuggestionSerializer

    @extend_schema(
        tags=["suggestions"],
        operation_id="suggestions_list",
        summary="The suggestion feed, newest first",
        description="As on the feed page: suggestions that entered the feed (a few new ones a day) and have not "
        "aged out, and nothing showing a person you hid or never want featured. With `state`, every suggestion "
        "in that state that entered the feed.",
        parameters=[SuggestionFilterSerializer],
        responses={200: SuggestionSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request):
        filters = _query(SuggestionFilterSerializer, request)
        suggestions = selectors.suggestions_visible(request.user).filter(released_at__isnull=False)
        suggestions = suggestions.values(*SuggestionSerializer.columns)
        if "state" in filters:
            suggestions = suggestions.filter(state=filters["state"])
        else:
            suggestions = suggestions.not_dismissed().filter(retired_at__isnull=True)
        if "kind" in filters:
            suggestions = suggestions.filter(kind=filters["kind"])
        page = self.paginate_queryset(suggestions)
        context = {**self.get_serializer_context(), "media_ids": media_ids_of([row["id"] for row in page])}
        return self.get_paginated_response(SuggestionSerializer(page, many=True, context=context).data)


def _owned_suggestion(request, pk):
    """As on the pages: one of the person's own suggestions, and a dismissed one is gone for good."""
    return selectors.suggestion_owned(request.user, pk)


def _suggestion_body(request, suggestion):
    return Response(SuggestionSerializer(suggestion, context={"request": request}).data)


SUGGESTION_404 = "No such suggestion among yours, or it was dismissed."


class SuggestionView(APIView):
    @extend_schema(
        tags=["suggestions"],
        operation_id="suggestions_retrieve",
        summary="One suggestion",
        responses={200: SuggestionSerializer, **errors(401, 404, status_404=SUGGESTION_404)},
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
        responses={200: SuggestionSerializer, **errors(400, 401, 404, status_404=SUGGESTION_404)},
    )
    def post(self, request, pk):
        return _suggestion_body(request, services.suggestion_save(_owned_suggestion(request, pk)))


class SuggestionSeenView(APIView):
    @extend_schema(
        tags=["suggestions"],
        operation_id="suggestions_seen",
        summary="Mark a suggestion as seen (a new one becomes seen; others keep their state)",
        request=NO_BODY,
        responses={200: SuggestionSerializer, **errors(400, 401, 404, status_404=SUGGESTION_404)},
    )
    def post(self, request, pk):
        return _suggestion_body(request, services.suggestion_seen(_owned_suggestion(request, pk)))


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
        services.suggestion_dismiss(_owned_suggestion(request, pk), method=Method.API)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SoundtrackSerializer(serializers.Serializer):
    soundtrack = serializers.BooleanField(help_text="true for music, false for none.")


class SuggestionSoundtrackView(APIView):
    @extend_schema(
        tags=["suggestions"],
        operation_id="suggestions_soundtrack",
        summary="Music on or off in a recap video",
        description="The video is made again with or without its music: `asset_url` is null until it is. "
        "Asking for what the video already has changes nothing. Only recap videos have music (400 otherwise).",
        request=SoundtrackSerializer,
        responses={200: SuggestionSerializer, **errors(400, 401, 404, 415, status_404=SUGGESTION_404)},
    )
    def post(self, request, pk):
        suggestion = _owned_suggestion(request, pk)
        serializer = SoundtrackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            suggestion = services.suggestion_soundtrack_set(suggestion, serializer.validated_data["soundtrack"])
        except services.SoundtrackRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return _suggestion_body(request, suggestion)


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
