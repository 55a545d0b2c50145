"""API v1 for people: list, name, birthday, hide, merge and detach a face; thin views over
suggestions.people. Another person's people and faces are a 404."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.models import Method
from consent.scopes import FACES
from consent.services import scope_granted
from rollweb.api import errors

from ..feed import controls
from ..models import Person
from ..people import selectors, services
from .common import NO_BODY, _query


class PersonSerializer(serializers.ModelSerializer):
    face_count = serializers.IntegerField(read_only=True)
    cover_media_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Person
        fields = ["id", "name", "birthday", "face_count", "cover_media_id", "hidden", "feature"]
        read_only_fields = fields


class PeopleFilterSerializer(serializers.Serializer):
    hidden = serializers.ChoiceField(
        choices=["true", "false"], required=False, help_text="Only hidden, or only shown, people."
    )


class PersonUpdateSerializer(serializers.Serializer):
    """What the owner may change about a person: send only the fields to change (use partial=True)."""

    name = serializers.CharField(
        required=False, allow_blank=True, max_length=Person._meta.get_field("name").max_length,
        help_text="Only you see it; empty to clear it.",
    )
    birthday = serializers.DateField(
        required=False, allow_null=True, help_text="YYYY-MM-DD, not in the future; null to clear it."
    )
    hidden = serializers.BooleanField(required=False, help_text="A hidden person is left out of suggestions.")
    feature = serializers.ChoiceField(
        choices=Person.Feature.choices, required=False,
        help_text="\"less\": no memory is about them; \"never\": no suggestion, collage, video or share link shows "
        "them (those that did are withdrawn); \"\": as usual.",
    )

    def validate_birthday(self, value):
        if value is not None and value > timezone.localdate():
            raise serializers.ValidationError("A birthday cannot be in the future.")
        return value

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send at least one of name, birthday, hidden and feature.")
        return attrs


class PersonMergeSerializer(serializers.Serializer):
    """Put the person in the path in the context as `person`."""

    other = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1,
        help_text="The id of another of your people: their faces join this person, and they are gone.",
    )

    def validate_other(self, value):
        if value == self.context["person"].pk:
            raise serializers.ValidationError("Choose a different person: a person cannot be merged into themself.")
        return value


class PeopleListView(generics.GenericAPIView):
    serializer_class = PersonSerializer

    @extend_schema(
        tags=["people"],
        operation_id="people_list",
        summary="The people found in the library, newest first",
        parameters=[PeopleFilterSerializer],
        responses={200: PersonSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request):
        filters = _query(PeopleFilterSerializer, request)
        people = selectors.people_counted(request.user)
        if "hidden" in filters:
            people = people.filter(hidden=filters["hidden"] == "true")
        page = self.paginate_queryset(people)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _owned_person(request, pk):
    return selectors.person_owned(request.user, pk, selectors.people_counted(request.user))


def _person_body(request, pk):
    return Response(PersonSerializer(_owned_person(request, pk)).data)


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
        responses={200: PersonSerializer, **errors(401, 404)},
    )
    def get(self, request, pk):
        return _person_body(request, pk)

    @extend_schema(
        tags=["people"],
        operation_id="people_update",
        summary="Name a person, set or clear their birthday, hide or show them, feature them less or never",
        description="Send only the fields to change. Hidden people are left out of suggestions; the feed is "
        "refreshed shortly after any change.",
        request=PersonUpdateSerializer,
        responses={200: PersonSerializer, **errors(400, 401, 403, 404, 415, status_403=PEOPLE_403)},
    )
    def patch(self, request, pk):
        person = _owned_person(request, pk)
        serializer = PersonUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        feature = changes.pop("feature", None)
        try:
            if changes:
                services.person_update(person, **changes)
            if feature is not None:
                controls.person_feature_set(person, feature, method=Method.API)
        except (services.PeopleError, controls.ControlRefused) as refused:
            return _people_refused(request, refused)
        return _person_body(request, pk)


class PersonMergeView(APIView):
    @extend_schema(
        tags=["people"],
        operation_id="people_merge",
        summary="Merge another person into this one",
        description="`other`'s faces join this person, who keeps their id (and their name and birthday, or "
        "takes `other`'s when they have none); `other` is gone afterwards.",
        request=PersonMergeSerializer,
        responses={
            200: OpenApiResponse(PersonSerializer, description="The person, now with both people's faces."),
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
        serializer = PersonMergeSerializer(data=request.data, context={"person": person})
        serializer.is_valid(raise_exception=True)
        other = selectors.person_owned(request.user, serializer.validated_data["other"])
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
            201: OpenApiResponse(PersonSerializer, description="The new person, with just this face."),
            **errors(400, 401, 403, 404, status_403=PEOPLE_403, status_404="No such face among yours."),
        },
    )
    def post(self, request, pk):
        face = selectors.face_owned(request.user, pk)
        try:
            person = services.face_detach(face)
        except services.PeopleError as refused:
            return _people_refused(request, refused)
        return Response(PersonSerializer(_owned_person(request, person.pk)).data, status=status.HTTP_201_CREATED)
