import factory
from django.contrib.auth import get_user_model


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


# -- an analysed library, as the analysis stages leave it (rows only, no files) -------------------

import uuid  # noqa: E402
from datetime import timedelta, timezone as dt_timezone  # noqa: E402

from suggestions.library import changes  # noqa: E402
from suggestions.models import Face, Home, MediaItem, Person, Suggestion  # noqa: E402


class MediaItemFactory(factory.django.DjangoModelFactory):
    """An analysed photo. `taken` (naive, the camera's clock) and `offset` (minutes east of UTC)
    give captured_at; everything else is as the stages would store it."""

    class Meta:
        model = MediaItem
        skip_postgeneration_save = True

    class Params:
        taken = None
        offset = 0

    owner = factory.SubFactory(UserFactory)
    kind = MediaItem.Kind.PHOTO
    status = MediaItem.Status.ANALYZED
    analysis_pass = MediaItem.Pass.ANALYSIS
    original = factory.LazyAttribute(lambda o: f"users/{o.owner.pk}/originals/{uuid.uuid4().hex}.jpg")
    sha256 = factory.LazyFunction(lambda: uuid.uuid4().hex * 2)
    original_name = factory.Sequence(lambda n: f"IMG_{n:04d}.jpg")
    mime = "image/jpeg"
    bytes = 2_000_000
    width = 4000
    height = 3000
    thumb_small = factory.LazyAttribute(lambda o: f"users/{o.owner.pk}/thumbs/{uuid.uuid4().hex}.jpg")
    thumb_large = factory.LazyAttribute(lambda o: f"users/{o.owner.pk}/thumbs/{uuid.uuid4().hex}.jpg")
    captured_at = factory.LazyAttribute(
        lambda o: o.taken.replace(tzinfo=dt_timezone(timedelta(minutes=o.offset))) if o.taken else None
    )
    captured_offset = factory.LazyAttribute(lambda o: o.offset if o.taken else None)

    @factory.post_generation
    def library_changed(item, create, extracted, **kwargs):
        """As the services and stages that store an item do: the library's pages follow."""
        if create:
            changes.library_changed(item.owner_id)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Person {n}")


class FaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Face

    media = factory.SubFactory(MediaItemFactory)
    x, y, w, h = 1600, 800, 400, 400
    encoding = bytes(512)


class HomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Home

    owner = factory.SubFactory(UserFactory)
    latitude = 51.5072
    longitude = -0.1276
    place = "London"
    region = "England"
    country_code = "GB"


class SuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Suggestion

    owner = factory.SubFactory(UserFactory)
    kind = "event"
    title = factory.Sequence(lambda n: f"Suggestion {n}")
    reason = "Made for a test."
    fingerprint = factory.LazyFunction(lambda: uuid.uuid4().hex)
    scopes_used = Suggestion.scopes_value(["library", "time"])
