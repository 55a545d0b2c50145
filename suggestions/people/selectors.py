"""People's reads, always scoped to an owner."""

import io

from django.core.files.storage import default_storage
from django.db.models import Case, Count, F, Value, When
from django.shortcuts import get_object_or_404
from PIL import Image

from consent.models import Grant
from consent.scopes import FACES

from ..analysis import faces as face_analysis, images
from ..models import Face, MediaItem, PeoplePreference, Person, face_crop_key


def face_crop(face, side=160):
    """JPEG bytes of a face: cut from the photo's large preview, or the crop kept for a video."""
    item = face.media
    if item.kind == MediaItem.Kind.VIDEO:
        with default_storage.open(face_crop_key(item.owner_id, face.pk), "rb") as stored:
            return stored.read()
    if not item.thumb_large or not item.width:
        raise FileNotFoundError("no preview to cut the face from")
    with default_storage.open(item.thumb_large.name, "rb") as stored:
        preview = Image.open(io.BytesIO(stored.read()))
        preview.load()
    scale = preview.width / item.width
    box = tuple(value * scale for value in face.box)
    return images.jpeg_bytes(face_analysis.crop(preview.convert("RGB"), box, side=side), quality=85)


def people_of(user, hidden=None):
    people = Person.objects.filter(owner=user).annotate(face_count=Count("faces"))
    if hidden is not None:
        people = people.filter(hidden=hidden)
    unnamed_last = Case(When(name="", then=Value(1)), default=Value(0))
    return people.order_by(unnamed_last, "name", "-face_count", "pk")


def faces_waiting(user):
    return Face.objects.filter(media__owner=user, person__isnull=True).select_related("media")


def person_owned(user, pk, queryset=None):
    """One of the person's people; another person's (or none) is a 404."""
    queryset = queryset if queryset is not None else Person.objects.all()
    return get_object_or_404(queryset.filter(owner=user), pk=pk)


def people_counted(user):
    """A person's people with what their API representation counts, in the same query."""
    people = Person.objects.filter(owner=user)
    return people.annotate(face_count=Count("faces"), cover_media_id=F("cover_face__media_id"))


def face_owned(user, pk):
    return get_object_or_404(Face.objects.select_related("media"), pk=pk, media__owner=user)


def person_exists(user, pk):
    return Person.objects.filter(owner=user, pk=pk).exists()


def media_ids_showing(person_id):
    """A subquery of the ids of the items showing a person (check first that the person is the owner's)."""
    return Face.objects.filter(person_id=person_id).values("media_id")


def people_owners():
    """Ids of the people whose faces may be re-grouped: face recognition on and faces found."""
    with_consent = Grant.objects.current().filter(scope=FACES).values_list("record__user_id", flat=True)
    return sorted(set(Face.objects.filter(media__owner_id__in=with_consent).values_list("media__owner_id", flat=True)))


def names_for_search(user):
    """{name: [person ids]} of the person's named, visible people: what the library's search knows."""
    named = {}
    for pk, name in Person.objects.filter(owner=user, hidden=False).exclude(name="").values_list("pk", "name"):
        named.setdefault(name, []).append(pk)
    return named


def media_ids_showing_any(user, person_ids):
    """A subquery of the ids of the owner's items showing any of these people."""
    return Face.objects.filter(person__owner=user, person_id__in=person_ids).values("media_id")


def suggest_unnamed(owner_id):
    """Whether memories may feature people the owner has not named (off until they say so)."""
    return PeoplePreference.objects.filter(owner_id=owner_id, suggest_unnamed=True).exists()
