"""A refresh that runs only the generators whose photos changed (feed/drafts.py) ends exactly where
a refresh from scratch would: the same drafts, and the same suggestions with the same items, after
new photos, a deletion, a consent change, a control, and a new day."""

from dataclasses import fields
from datetime import date, datetime, timedelta

import pytest
from django.core.cache import cache

from consent.services import active_grants, scopes_revoke
from suggestions.feed import services as feed
from suggestions.feed.controls import hidden_range_add, person_feature_set
from suggestions.feed.drafts import CONTEXT_FIELDS, DIGESTED_FIELDS, drafts_forget, library_drafts
from suggestions.feed.selectors import library_snapshot
from suggestions.generators import drafts_for
from suggestions.generators.library import Library, Photo
from suggestions.library.services import media_delete
from suggestions.models import Face, MediaItem, Person, Suggestion

from .conftest import grant
from .crafted import EVERY_SCOPE, photos
from .crafted_library import TODAY, crafted_library


@pytest.fixture
def roll(user):
    grant(user, *EVERY_SCOPE)
    crafted = crafted_library(user)
    feed.suggestions_refresh(user.pk, today=TODAY)
    return crafted


def stored(user):
    return {
        (s.kind, s.title, s.reason, s.fingerprint, s.topic, s.occasion_date, s.state,
         tuple(s.suggestionitem_set.order_by("position").values_list("media_id", flat=True)))
        for s in Suggestion.objects.filter(owner=user)
    }


def snapshot(user, today):
    return library_snapshot(user.pk, active_grants(user.pk).keys(), today)


def assert_as_from_scratch(user, today):
    """The kept drafts equal every generator run afresh; the refresh that used them stored what a
    refresh from scratch stores (which then finds nothing to add or remove)."""
    kept = library_drafts(snapshot(user, today))
    assert kept == drafts_for(snapshot(user, today))
    feed.suggestions_refresh(user.pk, today=today)
    after_incremental = stored(user)
    drafts_forget(user)
    again = feed.suggestions_refresh(user.pk, today=today)
    assert (again.created, again.removed) == ([], 0)
    assert stored(user) == after_incremental
    return kept


def add_photos(roll, taken, count, where="london", faces=()):
    made = photos(roll.user, taken, count, where=where, quality=0.9)
    for item in made:
        for slot, name in enumerate(faces):
            Face.objects.create(media=item, person=roll.people[name], x=200 + 600 * slot, y=500, w=400, h=400,
                                encoding=bytes(512))
    return made


def test_nothing_changed_gives_the_same_suggestions(roll):
    before = stored(roll.user)
    assert assert_as_from_scratch(roll.user, TODAY)
    assert stored(roll.user) == before


def test_new_photos_yesterday(roll):
    add_photos(roll, datetime(2024, 6, 19, 10), 12, faces=("Ada", "Ben"))
    kept = assert_as_from_scratch(roll.user, TODAY)
    assert any(draft.kind == "event" and draft.occasion == date(2024, 6, 19) for draft in kept)


@pytest.mark.parametrize("taken", [
    datetime(2021, 6, 18, 12),  # in an on-this-day window of a past year
    datetime(2022, 1, 20, 12),  # in a season that has ended
    datetime(2023, 12, 25, 12),  # on a public holiday, in a year under review
    datetime(2020, 10, 5, 12),  # a day none of the day-bound kinds reads
])
def test_new_photos_on_a_past_day(roll, taken):
    add_photos(roll, taken, 8, faces=("Eve",))
    assert_as_from_scratch(roll.user, TODAY)


def test_a_photo_changed_in_place_and_one_moved_to_another_day(roll):
    old = MediaItem.objects.filter(owner=roll.user, captured_at__date=date(2022, 1, 20)).first() or (
        MediaItem.objects.filter(owner=roll.user, captured_at__year=2021, captured_at__month=6).first()
    )
    MediaItem.objects.filter(pk=old.pk).update(quality=0.01)
    moved = MediaItem.objects.filter(owner=roll.user, captured_at__year=2019).order_by("pk").first()
    MediaItem.objects.filter(pk=moved.pk).update(captured_at=datetime(2021, 6, 20, 12, tzinfo=moved.captured_at.tzinfo))
    assert_as_from_scratch(roll.user, TODAY)


def test_a_deletion(roll):
    shown = Suggestion.objects.filter(owner=roll.user, kind="on_this_day").first()
    item = MediaItem.objects.get(pk=shown.suggestionitem_set.order_by("position").first().media_id)
    media_delete(item)
    assert_as_from_scratch(roll.user, TODAY)
    assert not Suggestion.objects.filter(owner=roll.user, suggestionitem__media_id=item.pk).exists()


def test_a_consent_revoked_then_new_photos(roll, settings):
    settings.ERASE_INLINE_ITEMS = 10_000  # erased at once, not in queued chunks
    scopes_revoke(roll.user, ["faces"], method="web")
    kept = cache.get(f"feed-drafts:{roll.user.pk}")  # what was kept under faces went with it
    assert kept is None or not any("faces" in d.scopes for drafts in kept.drafts.values() for d in drafts)
    assert_as_from_scratch(roll.user, TODAY)
    add_photos(roll, datetime(2024, 6, 19, 10), 10)
    kept = assert_as_from_scratch(roll.user, TODAY)
    assert not any("faces" in draft.scopes for draft in kept)


def test_a_hidden_range_and_someone_never_featured(roll):
    hidden_range_add(roll.user.pk, date(2021, 6, 15), date(2021, 6, 25))
    assert_as_from_scratch(roll.user, TODAY)
    person_feature_set(Person.objects.get(owner=roll.user, name="Ada"), Person.Feature.NEVER)
    kept = assert_as_from_scratch(roll.user, TODAY)
    ada = set(Face.objects.filter(person__name="Ada", person__owner=roll.user).values_list("media_id", flat=True))
    assert not any(ada.intersection(draft.items) for draft in kept)


@pytest.mark.parametrize("today", [
    TODAY + timedelta(days=1),  # on this day moves with the date
    date(2024, 3, 14),  # Ada's birthday: her spotlight, "Ada is 7"
    date(2024, 12, 1),  # this year's review starts
])
def test_a_new_day(roll, today):
    kept = assert_as_from_scratch(roll.user, today)
    if today == date(2024, 3, 14):
        assert any(draft.title == "Ada is 7" for draft in kept)
    if today == date(2024, 12, 1):
        assert any(draft.kind == "year_review" and draft.occasion and draft.occasion.year == 2024 for draft in kept)


def test_every_field_of_a_photo_is_in_its_days_digest():
    assert DIGESTED_FIELDS == tuple(field.name for field in fields(Photo))


def test_everything_else_a_library_holds_is_in_the_context():
    assert {"photos", *CONTEXT_FIELDS} == {field.name for field in fields(Library)}


def test_something_else_kept_under_the_key_is_made_again(roll):
    cache.set(f"feed-drafts:{roll.user.pk}", "not drafts")
    add_photos(roll, datetime(2024, 6, 19, 10), 6)
    assert library_drafts(snapshot(roll.user, TODAY)) == drafts_for(snapshot(roll.user, TODAY))
