"""Memories of people (faces and time): Spotlight (“Ada is 7” on her birthday), Then and now, the
pair most often together, and It's been a while — of named people only unless the person asks,
never of a hidden person, never showing one."""

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from suggestions.feed.selectors import library_snapshot
from suggestions.generators import been_a_while, drafts_for, spotlight, then_and_now, together
from suggestions.models import Face, Person

from .conftest import grant
from .crafted import EVERY_SCOPE, load, photos
from .crafted_library import crafted_library
from .factories import FaceFactory, PersonFactory

PEOPLE_KINDS = {"spotlight", "then_and_now", "together", "been_a_while"}


@pytest.fixture
def roll(user):
    return crafted_library(user)


def titles(module, library):
    return sorted(draft.title for draft in module.drafts(library))


def test_each_named_person_has_a_spotlight_over_the_years_and_the_unnamed_one_does_not(roll):
    library = load(roll.user, roll.today)
    assert titles(spotlight, library) == [
        "Spotlight on Ada", "Spotlight on Ben", "Spotlight on Cleo", "Spotlight on Dan", "Spotlight on Eve",
    ]
    [ada] = [d for d in spotlight.drafts(library) if d.title == "Spotlight on Ada"]
    assert ada.scopes >= {"faces", "time"} and ada.reason.startswith("The best of your ")
    assert "from 2017 to 2024" in ada.reason
    ada_id = roll.people["Ada"].pk
    assert all(any(f.person_id == ada_id for f in library.by_id[pk].faces) for pk in ada.items)
    assert len({library.by_id[pk].taken.year for pk in ada.items}) >= 5  # over the years


def test_on_her_birthday_the_spotlight_says_how_old_she_turns(roll):
    library = load(roll.user, date(2024, 3, 14))
    drafts = spotlight.drafts(library)
    assert "Ada is 7" in [d.title for d in drafts] and "Spotlight on Ada" not in [d.title for d in drafts]
    [birthday] = [d for d in drafts if d.title == "Ada is 7"]
    assert birthday.occasion == date(2024, 3, 14) and "birthday is today (the date you gave)" in birthday.reason


def test_unnamed_people_are_featured_only_when_the_person_asks(roll):
    library = replace(load(roll.user, roll.today), suggest_unnamed=True, cache={})
    assert "Spotlight on Someone you often photograph" in titles(spotlight, library)


def test_then_and_now_needs_three_years_between_the_first_and_latest(user):
    ada, ben = PersonFactory(owner=user, name="Ada"), PersonFactory(owner=user, name="Ben")
    for person, years in ((ada, (2020, 2023)), (ben, (2021, 2023))):
        for year in years:
            for item in photos(user, datetime(year, 5, 1, 10), 2):
                FaceFactory(media=item, person=person)
    [draft] = then_and_now.drafts(load(user, date(2024, 6, 20)))
    assert draft.title == "Ada, 2020 and 2023" and draft.kind == "then_and_now"
    library = load(user, date(2024, 6, 20))
    assert [library.by_id[pk].taken.year for pk in draft.items] == [2020, 2023]


def test_the_couple_is_the_pair_most_often_together(roll):
    [draft] = together.drafts(load(roll.user, roll.today))
    assert draft.title == "Ben and Cleo" and draft.kind == "together"
    assert "more than any other two people" in draft.reason


def test_a_pair_seen_together_a_few_times_is_not_a_memory(user):
    ada, ben = PersonFactory(owner=user, name="Ada"), PersonFactory(owner=user, name="Ben")
    for item in photos(user, datetime(2023, 5, 1, 10), 9):
        FaceFactory(media=item, person=ada)
        FaceFactory(media=item, person=ben, x=100)
    assert together.drafts(load(user, date(2024, 6, 20))) == []


def test_its_been_a_while_is_about_the_one_not_seen_for_eight_months(roll):
    [draft] = been_a_while.drafts(load(roll.user, roll.today))
    assert draft.title == "It's been a while: Dan"
    assert "months ago" in draft.reason
    assert been_a_while.drafts(load(roll.user, roll.today - timedelta(days=120))) == []  # then seen recently


def test_a_hidden_person_is_never_featured_nor_shown(roll):
    Person.objects.filter(pk=roll.people["Ben"].pk).update(hidden=True)
    library = load(roll.user, roll.today)
    drafts = drafts_for(library)
    assert not any("Ben" in draft.title for draft in drafts)
    with_ben = set(Face.objects.filter(person=roll.people["Ben"]).values_list("media_id", flat=True))
    assert with_ben and not any(with_ben & set(draft.items) for draft in drafts)


def test_people_memories_need_faces_and_time(roll):
    kinds = {d.kind for d in drafts_for(load(roll.user, roll.today))}
    assert PEOPLE_KINDS <= kinds
    for scopes in (("library", "time", "location", "themes"), ("library", "faces", "location", "themes")):
        assert not PEOPLE_KINDS & {d.kind for d in drafts_for(load(roll.user, roll.today, scopes=scopes))}


def test_the_people_page_turns_unnamed_people_on_and_off(client, user, other_user):
    grant(user, "library", "faces")
    client.force_login(user)
    assert not library_snapshot(user.pk, EVERY_SCOPE, date(2024, 6, 20)).suggest_unnamed
    assert client.get(reverse("people:preference")).status_code == 405
    response = client.post(reverse("people:preference"), {"suggest_unnamed": "yes"})
    assert response.status_code == 302
    assert library_snapshot(user.pk, EVERY_SCOPE, date(2024, 6, 20)).suggest_unnamed
    assert not library_snapshot(other_user.pk, EVERY_SCOPE, date(2024, 6, 20)).suggest_unnamed
    assert not library_snapshot(user.pk, ("library", "time"), date(2024, 6, 20)).suggest_unnamed
    assert "Feature only named people" in client.get(reverse("people:index")).content.decode()
    client.post(reverse("people:preference"), {"suggest_unnamed": "no"})
    assert not library_snapshot(user.pk, EVERY_SCOPE, date(2024, 6, 20)).suggest_unnamed
