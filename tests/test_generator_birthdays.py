"""Birthdays: a few days before, the person's best photos of the past year; never for hidden people."""

from datetime import date, datetime

import pytest

from suggestions.generators import birthdays

from .crafted import load, photos
from .factories import FaceFactory, PersonFactory


def with_face(items, person, **box):
    for item in items:
        FaceFactory(media=item, person=person, **box)
    return items


@pytest.fixture
def ada(user):
    return PersonFactory(owner=user, name="Ada", birthday=date(1992, 2, 29))


def test_a_leap_day_birthday_is_on_the_28th_in_a_common_year(user, ada):
    items = with_face(photos(user, datetime(2022, 8, 1, 12), 3), ada)
    [draft] = birthdays.drafts(load(user, date(2023, 2, 22)))
    assert draft.kind == "birthday"
    assert draft.title == "Ada’s birthday, 28 February"
    assert draft.occasion == date(2023, 2, 28)
    assert draft.reason.startswith("Ada’s birthday is on Tuesday 28 February (the date you gave). 3 photos of them from the past year")
    assert draft.scopes == {"library", "time", "faces"}
    assert set(draft.items) == {item.pk for item in items}


def test_a_leap_day_birthday_is_on_the_29th_in_a_leap_year(user, ada):
    with_face(photos(user, datetime(2023, 8, 1, 12), 2), ada)
    [draft] = birthdays.drafts(load(user, date(2024, 2, 22)))
    assert draft.occasion == date(2024, 2, 29)
    assert birthdays.drafts(load(user, date(2024, 2, 21))) == []  # 8 days before
    assert birthdays.drafts(load(user, date(2024, 3, 1))) == []  # after


def test_on_the_day_itself_and_across_new_year(user):
    bo = PersonFactory(owner=user, name="Bo", birthday=date(1980, 1, 3))
    with_face(photos(user, datetime(2023, 6, 1, 12), 2), bo)
    [draft] = birthdays.drafts(load(user, date(2023, 12, 30)))
    assert draft.occasion == date(2024, 1, 3)
    [draft] = birthdays.drafts(load(user, date(2024, 1, 3)))
    assert "birthday is today" in draft.reason


def test_only_photos_of_the_past_year_and_best_faces_first(user, ada):
    old = with_face(photos(user, datetime(2021, 12, 1, 12), 3), ada)
    small = with_face(photos(user, datetime(2022, 9, 1, 12), 1), ada, w=100, h=100)
    large = with_face(photos(user, datetime(2022, 9, 2, 12), 1), ada, w=1200, h=1200)
    [draft] = birthdays.drafts(load(user, date(2023, 2, 22)))
    assert draft.items == (large[0].pk, small[0].pk)
    assert not set(draft.items) & {item.pk for item in old}


def test_no_birthday_for_hidden_unnamed_or_undated_people_or_without_faces(user):
    for person in (
        PersonFactory(owner=user, name="Cy", birthday=date(1990, 3, 5), hidden=True),
        PersonFactory(owner=user, name="", birthday=date(1990, 3, 5)),
        PersonFactory(owner=user, name="Di", birthday=None),
    ):
        with_face(photos(user, datetime(2022, 6, 1, 12), 3), person)
    assert birthdays.drafts(load(user, date(2023, 3, 1))) == []
    ed = PersonFactory(owner=user, name="Ed", birthday=date(1990, 3, 5))
    with_face(photos(user, datetime(2022, 7, 1, 12), 3), ed)
    assert len(birthdays.drafts(load(user, date(2023, 3, 1)))) == 1
    assert birthdays.drafts(load(user, date(2023, 3, 1), scopes=("library", "time", "themes"))) == []


def test_photos_with_someone_hidden_are_left_out(user, ada):
    hidden = PersonFactory(owner=user, name="Ex", hidden=True)
    together = with_face(photos(user, datetime(2022, 8, 1, 12), 1), ada)
    FaceFactory(media=together[0], person=hidden, x=100)
    alone = with_face(photos(user, datetime(2022, 8, 2, 12), 2), ada)
    [draft] = birthdays.drafts(load(user, date(2023, 2, 22)))
    assert set(draft.items) == {item.pk for item in alone}
