"""API v1 for the map of places: how many items each country, or each place of a country, holds."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.scopes import LOCATION, SCOPES
from consent.services import active_grants
from rollweb.api import errors

from ..library import places


class MapQuerySerializer(serializers.Serializer):
    country = serializers.RegexField(r"^[A-Za-z]{2}$", required=False,
                                     help_text="A two-letter ISO country code: that country's places instead of countries.")


class ClusterSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="The place, or the country's name.")
    region = serializers.CharField(help_text="The place's region; empty for a country.")
    country_code = serializers.CharField()
    count = serializers.IntegerField()
    lat = serializers.FloatField(help_text="Mean latitude of the items, rounded to 0.1°.")
    lon = serializers.FloatField(help_text="Mean longitude of the items, rounded to 0.1°.")
    search = serializers.CharField(help_text="The `q` of GET /api/v1/media/ that lists these items; empty when none does.")
    home = serializers.BooleanField(help_text="The home area is here (only when it has been computed).")


class MapCountsSerializer(serializers.Serializer):
    results = ClusterSerializer(many=True)
    country = serializers.CharField(allow_null=True)
    home_marked = serializers.BooleanField()


class MapCountsView(APIView):
    @extend_schema(
        tags=["media"],
        operation_id="map_counts",
        summary="Where the items were taken: counts per country, or per place of one country",
        description=(
            "Needs consent to location (403 without it). Busiest first. Coordinates are the mean of the "
            "items' own, rounded to 0.1°; the home area is only flagged on the cluster it belongs to."
        ),
        parameters=[OpenApiParameter("country", str, description="Two-letter ISO code: that country's places.")],
        responses={200: MapCountsSerializer, **errors(400, 401, 403)},
    )
    def get(self, request):
        query = MapQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        grants = active_grants(request.user.pk)
        if LOCATION not in grants:
            raise PermissionDenied(f"The map needs “{SCOPES[LOCATION].title}” in your privacy choices.")
        country = query.validated_data.get("country", "").upper()
        clusters, home_marked = places.map_clusters(request.user, grants, country)
        results = [{"label": c.label, "region": c.region, "country_code": c.country_code, "count": c.count,
                    "lat": c.lat, "lon": c.lon, "search": c.search, "home": c.home} for c in clusters]
        return Response({"results": results, "country": country or None, "home_marked": home_marked})
