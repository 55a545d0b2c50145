"""API v1 for what is suggested: the controls (days hidden, kinds seen fewer of; featuring a person
less or never is `feature` on PATCH /people/{id}/), memories of unnamed people, and years in
review asked for. Thin views over suggestions.feed and suggestions.people."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.models import Method
from rollweb.api import errors

from ..feed import controls, selectors, services
from ..generators.text import KIND_NAMES
from ..models import HiddenRange, Person, YearReviewRequest
from ..people import selectors as people_selectors, services as people_services


class HiddenRangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = HiddenRange
        fields = ["id", "start", "end", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"end": {"required": False, "help_text": "The last day hidden (inclusive); the first when left out."}}

    def validate(self, attrs):
        attrs.setdefault("end", attrs["start"])
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": ["The last day must not be before the first."]})
        return attrs


KIND_CHOICES = sorted(KIND_NAMES)


class KindSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    name = serializers.CharField(read_only=True)


class FewerSerializer(KindSerializer):
    suggestion = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, write_only=True,
        help_text="The suggestion it was asked on: it leaves the feed (unless saved).",
    )


class ControlledPersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "feature"]
        read_only_fields = fields


class ControlsSerializer(serializers.Serializer):
    people = ControlledPersonSerializer(many=True, help_text="People featured less or never (set on /people/{id}/).")
    hidden_ranges = HiddenRangeSerializer(many=True)
    fewer_kinds = KindSerializer(many=True)
    kinds = KindSerializer(many=True, help_text="Every kind one can see fewer of, with its name.")


def _kinds(kinds):
    return [{"kind": kind, "name": KIND_NAMES.get(kind, kind)} for kind in kinds]


class ControlsView(APIView):
    @extend_schema(
        tags=["controls"], operation_id="controls_retrieve", summary="Every control over what is suggested",
        responses={200: ControlsSerializer, **errors(401)},
    )
    def get(self, request):
        panel = selectors.controls_panel(request.user)
        return Response({
            "people": ControlledPersonSerializer(panel["controlled_people"], many=True).data,
            "hidden_ranges": HiddenRangeSerializer(panel["hidden_ranges"], many=True).data,
            "fewer_kinds": _kinds(kind for kind, _ in panel["fewer_kinds"]),
            "kinds": _kinds(sorted(KIND_NAMES)),
        })


def _refused(exc):
    return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)


class HiddenRangeCollectionView(APIView):
    @extend_schema(
        tags=["controls"], operation_id="hidden_ranges_create", summary="Hide days from suggestions",
        description="Photos taken on these days (or uploaded, when their capture time is not known) are left out "
        "of every suggestion; suggestions and share links showing them are withdrawn at once.",
        request=HiddenRangeSerializer, responses={201: HiddenRangeSerializer, **errors(400, 401, 415)},
    )
    def post(self, request):
        serializer = HiddenRangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            hidden = controls.hidden_range_add(request.user.pk, data["start"], data["end"], method=Method.API)
        except controls.ControlRefused as exc:
            return _refused(exc)
        return Response(HiddenRangeSerializer(hidden).data, status=status.HTTP_201_CREATED)


class HiddenRangeView(APIView):
    @extend_schema(
        tags=["controls"], operation_id="hidden_ranges_destroy", summary="Let hidden days be suggested again",
        responses={204: None, **errors(401, 404)},
    )
    def delete(self, request, pk):
        controls.hidden_range_remove(selectors.hidden_range_owned(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FewerCollectionView(APIView):
    @extend_schema(
        tags=["controls"], operation_id="fewer_kinds_create", summary="See fewer suggestions of a kind",
        request=FewerSerializer, responses={201: KindSerializer, **errors(400, 401, 404, 415)},
    )
    def post(self, request):
        serializer = FewerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kind, pk = serializer.validated_data["kind"], serializer.validated_data.get("suggestion")
        suggestion = selectors.suggestion_owned(request.user, pk) if pk else None
        controls.fewer_kind_add(request.user.pk, kind, suggestion=suggestion)
        return Response(_kinds([kind])[0], status=status.HTTP_201_CREATED)


class FewerView(APIView):
    @extend_schema(
        tags=["controls"], operation_id="fewer_kinds_destroy", summary="Suggest a kind as usual again",
        responses={204: None, **errors(401, 404, status_404="A path that names no kind.")},
    )
    def delete(self, request, kind):
        controls.fewer_kind_remove(request.user.pk, kind)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PeoplePreferenceSerializer(serializers.Serializer):
    suggest_unnamed = serializers.BooleanField(help_text="Memories may feature people you have not named.")


class PeoplePreferenceView(APIView):
    @extend_schema(
        tags=["people"], operation_id="people_preference_retrieve", summary="Whether unnamed people are featured",
        responses={200: PeoplePreferenceSerializer, **errors(401)},
    )
    def get(self, request):
        return Response({"suggest_unnamed": people_selectors.suggest_unnamed(request.user.pk)})

    @extend_schema(
        tags=["people"], operation_id="people_preference_update", summary="Feature unnamed people, or stop",
        request=PeoplePreferenceSerializer, responses={200: PeoplePreferenceSerializer, **errors(400, 401, 415)},
    )
    def put(self, request):
        serializer = PeoplePreferenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        people_services.people_preference_set(request.user.pk, **serializer.validated_data)
        return self.get(request)


class YearReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = YearReviewRequest
        fields = ["id", "year", "requested_at"]
        read_only_fields = ["id", "requested_at"]


class YearReviewCollectionView(APIView):
    @extend_schema(
        tags=["suggestions"], operation_id="year_reviews_list", summary="The past years you asked to see reviewed",
        responses={200: YearReviewSerializer(many=True), **errors(401)},
    )
    def get(self, request):
        return Response(YearReviewSerializer(selectors.year_reviews_of(request.user), many=True).data)

    @extend_schema(
        tags=["suggestions"], operation_id="year_reviews_create", summary="Ask for a year in review",
        description="“Your <year>” appears in the suggestions after the next refresh, if there were enough photos.",
        request=YearReviewSerializer, responses={201: YearReviewSerializer, **errors(400, 401, 415)},
    )
    def post(self, request):
        serializer = YearReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        year = serializer.validated_data["year"]
        try:
            services.year_review_request(request.user.pk, year)
        except services.YearReviewRefused as exc:
            return Response({"year": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        row = selectors.year_reviews_of(request.user).get(year=year)
        return Response(YearReviewSerializer(row).data, status=status.HTTP_201_CREATED)
