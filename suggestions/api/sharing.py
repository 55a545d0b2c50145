"""API v1 share links: list, make (the URL is in the answer once) and revoke; thin views over
suggestions.sharing."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.models import Method
from rollweb.api import errors

from ..models import Rendition, ShareLink, Suggestion
from ..sharing import selectors, services

MAX_ID = 2**63 - 1
TARGET_SCHEMA = {
    "type": "object",
    "description": "What the link shows: `{\"suggestion\": id}` or `{\"rendition\": id}` (a saved edit).",
    "properties": {"suggestion": {"type": "integer"}, "rendition": {"type": "integer"}},
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
}


class ShareLinkSerializer(serializers.ModelSerializer):
    target = serializers.SerializerMethodField()
    live = serializers.SerializerMethodField(help_text="Shows its target now: not revoked or expired, and shareable.")

    class Meta:
        model = ShareLink
        fields = ["id", "target", "created_at", "expires_at", "revoked_at", "views", "live"]
        read_only_fields = fields

    @extend_schema_field(TARGET_SCHEMA)
    def get_target(self, link):
        return {"suggestion": link.suggestion_id} if link.suggestion_id else {"rendition": link.rendition_id}

    def get_live(self, link) -> bool:
        return selectors.share_state(link) == "live"


class ShareCreatedSerializer(ShareLinkSerializer):
    url = serializers.SerializerMethodField(
        help_text="The link, absolute. Shown only in this answer: the server keeps only its hash."
    )

    class Meta(ShareLinkSerializer.Meta):
        fields = [*ShareLinkSerializer.Meta.fields, "url"]
        read_only_fields = fields

    def get_url(self, link) -> str:
        return self.context["request"].build_absolute_uri(reverse("share:page", args=[self.context["key"]]))


class ShareCreateSerializer(serializers.Serializer):
    suggestion = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="One of your suggestions with a rendered asset."
    )
    rendition = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="One of your saved edits that is ready."
    )
    days = serializers.ChoiceField(
        choices=services.DAYS, default=services.DEFAULT_DAYS, help_text="How long the link is valid."
    )

    def validate(self, attrs):
        if ("suggestion" in attrs) == ("rendition" in attrs):
            raise serializers.ValidationError("Send exactly one of suggestion and rendition.")
        return attrs


class ShareCollectionView(generics.GenericAPIView):
    serializer_class = ShareLinkSerializer

    @extend_schema(
        tags=["sharing"],
        operation_id="shares_list",
        summary="Your share links, newest first (live and ended)",
        responses={200: ShareLinkSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request):
        links = selectors.share_links_of(request.user).select_related("suggestion", "rendition")
        page = self.paginate_queryset(links)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        tags=["sharing"],
        operation_id="shares_create",
        summary="Make a share link to one suggestion or edit",
        description=(
            "An unguessable URL that shows only that asset (no EXIF, no title, names or places) to whoever has it, "
            "until it expires or you revoke it. Recorded in your consent history."
        ),
        request=ShareCreateSerializer,
        responses={
            201: OpenApiResponse(ShareCreatedSerializer, description="Made; `url` is shown only now."),
            **errors(
                400, 401, 404,
                status_400="A field is invalid, or the target has nothing to share (not rendered, dismissed, not "
                "ready).",
                status_404="No such suggestion or edit among yours.",
            ),
        },
    )
    def post(self, request):
        data = ShareCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        name, model = ("suggestion", Suggestion) if "suggestion" in fields else ("rendition", Rendition)
        target = {name: selectors.share_target_owned(request.user, model, fields[name])}
        try:
            link, key = services.share_create(request.user, days=fields["days"], method=Method.API, **target)
        except services.NotShareable as refused:
            if refused.not_found:
                return Response({"detail": str(refused)}, status=status.HTTP_404_NOT_FOUND)
            raise serializers.ValidationError({refused.field: [str(refused)]}) from None
        body = ShareCreatedSerializer(link, context={"request": request, "key": key}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ShareLinkView(APIView):
    @extend_schema(
        tags=["sharing"],
        operation_id="shares_revoke",
        summary="Revoke a share link at once (revoking it again changes nothing)",
        responses={204: None, **errors(401, 404)},
    )
    def delete(self, request, pk):
        link = selectors.share_link_owned(request.user, pk)
        services.share_revoke(link, method=Method.API)
        return Response(status=status.HTTP_204_NO_CONTENT)
