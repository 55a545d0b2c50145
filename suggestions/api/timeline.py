"""API v1 for the timeline: the library in capture order, in keyset pages of its own.

`GET /api/v1/media/` keeps its upload order and cursor (sync clients page through it); these
paths are for showing a library the way the library page does.
"""

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.utils.urls import replace_query_param

from consent.services import active_grants
from rollweb.api import errors

from ..library import changes, timeline
from . import serializers as s


class MonthField(serializers.CharField):
    def to_internal_value(self, data):
        try:
            return timeline.parse_month(super().to_internal_value(data))
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class TimelineQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, help_text="The `next` of the previous page, as given.")
    month = MonthField(required=False, help_text="Only this month (YYYY-MM), newest first.")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)


class MonthCountSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    count = serializers.IntegerField()


class MonthListSerializer(serializers.Serializer):
    results = MonthCountSerializer(many=True)


class TimelinePageSerializer(serializers.Serializer):
    results = s.MediaItemSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next (older) page; null on the last.")


def _position(cursor):
    try:
        return timeline.Position.decode(cursor) if cursor else None
    except timeline.BadCursor as exc:
        raise ValidationError({"cursor": [str(exc)]}) from None


class TimelineMonthsView(APIView):
    @extend_schema(
        tags=["media"],
        operation_id="timeline_months",
        summary="How many items each month holds, newest first",
        description=(
            "Months by capture time with consent to time, otherwise by upload time (as the timeline sorts). "
            "Months without items are left out."
        ),
        responses={200: MonthListSerializer, **errors(401)},
    )
    def get(self, request):
        counts = timeline.month_counts(request.user, active_grants(request.user.pk))
        return Response({"results": [{"month": f"{month:%Y-%m}", "count": count} for month, count in counts]})


class TimelineItemsView(APIView):
    @extend_schema(
        tags=["media"],
        operation_id="timeline_items",
        summary="The library in capture order, newest first",
        description=(
            "Items sort by capture time with consent to time, otherwise (or without one) by upload time: "
            "the order of the library page's timeline. Follow `next` for older items; a page never repeats "
            "or skips an item while others are added or deleted."
        ),
        parameters=[TimelineQuerySerializer],
        responses={200: TimelinePageSerializer, **errors(400, 401)},
    )
    def get(self, request):
        query = TimelineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        after = _position(query.validated_data.get("cursor"))
        grants = active_grants(request.user.pk)

        def page():
            items = timeline.timeline_items(request.user, grants).values(*s.MediaItemSerializer.columns, "sort_at")
            if "month" in query.validated_data:
                items = timeline.in_month(items, query.validated_data["month"])
            rows, next_position = timeline.page_after(items, after, query.validated_data["page_size"])
            context = {"request": request, "faces": s.face_rows([row["id"] for row in rows])}
            next_url = None
            if next_position is not None:
                next_url = replace_query_param(request.build_absolute_uri(), "cursor", next_position.encode())
            body = {"results": s.MediaItemSerializer(rows, many=True, context=context).data, "next": next_url}
            return JSONRenderer().render(body)

        # Pages hold absolute URLs, and every scope in force changes what an item shows. They are
        # kept as the bytes sent: JSON (the API's one renderer) made once, not at each request.
        name = f"timeline-items-json:{','.join(sorted(grants))}:{request.build_absolute_uri()}"
        return HttpResponse(changes.kept_while_unchanged(request.user.pk, name, page, timeout=300),
                            content_type=JSONRenderer.media_type)
