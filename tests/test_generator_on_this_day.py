"""On this day: one memory per past year, from the photos within three days of today's calendar day
in that year; “This week, N years ago” when the day itself is empty; 29 February is remembered on
the 28th in other years."""

from datetime import date, datetime

import pytest

from suggestions.generators import on_this_day

from .crafted import load, photos
from .factories import FaceFactory, PersonFactory


def titles(user, today, **kwargs):
    return [draft.title for draft in on_this_day.drafts(load(user, today, **kwargs))]


def test_each_past_year_is_a_memory_of_its_own_newest_first(user):
    old = photos(user, datetime(2019, 7, 4, 10), 4)
    recent = photos(user, datetime(2021, 7, 4, 10), 3)
    first, second = on_this_day.drafts(load(user, date(2024, 7, 4)))
    assert (first.title, second.title) == ("On this day in 2021", "On this day in 2019")
    assert first.reason.startswith("3 photos taken on 4 Jul 2021, three years ago")
    assert (set(first.items), set(second.items)) == ({p.pk for p in recent}, {p.pk for p in old})
    assert first.kind == "on_this_day" and first.occasion == date(2024, 7, 4)
    assert first.scopes == {"library", "time"}
    assert first.topic != second.topic


def test_the_days_around_it_join_the_day_itself_within_three_days(user):
    on_the_day = photos(user, datetime(2021, 7, 4, 10), 2)
    around = photos(user, datetime(2021, 7, 1, 10), 2) + photos(user, datetime(2021, 7, 7, 10), 2)
    photos(user, datetime(2021, 6, 30, 10), 2)  # four days before: outside the window
    [draft] = on_this_day.drafts(load(user, date(2024, 7, 4)))
    assert draft.title == "On this day in 2021"
    assert set(draft.items) == {p.pk for p in on_the_day + around}
    assert draft.reason.startswith("6 photos taken 1–7 Jul 2021, three years ago")


def test_an_empty_day_with_photos_that_week_is_this_week_n_years_ago(user):
    week = photos(user, datetime(2022, 7, 2, 10), 3)
    [draft] = on_this_day.drafts(load(user, date(2024, 7, 4)))
    assert draft.title == "This week, two years ago"
    assert draft.reason.startswith("3 photos taken on 2 Jul 2022, two years ago, in the week around today's date")
    assert set(draft.items) == {p.pk for p in week}
    assert draft.occasion == date(2022, 7, 2)


def test_this_week_is_the_same_suggestion_on_each_day_of_its_window_and_gone_after(user):
    photos(user, datetime(2022, 7, 2, 10), 3)
    days = [date(2024, 6, 29), date(2024, 6, 30), date(2024, 7, 1), date(2024, 7, 3), date(2024, 7, 5)]
    week = [on_this_day.drafts(load(user, day))[0] for day in days]
    assert len({(d.fingerprint, d.topic) for d in week}) == 1 and week[0].title == "This week, two years ago"
    assert titles(user, date(2024, 7, 2)) == ["On this day in 2022"]
    assert titles(user, date(2024, 6, 28)) == titles(user, date(2024, 7, 6)) == []


def test_the_window_reaches_across_new_year(user):
    photos(user, datetime(2021, 12, 31, 20), 3)
    assert titles(user, date(2024, 1, 2)) == ["This week, two years ago"]
    assert titles(user, date(2024, 1, 5)) == []


@pytest.fixture
def leap_day_photos(user):
    return photos(user, datetime(2016, 2, 29, 12), 3)


def test_leap_day_photos_come_back_on_the_28th_of_a_common_year(user, leap_day_photos):
    [draft] = on_this_day.drafts(load(user, date(2023, 2, 28)))
    assert draft.title == "On this day in 2016"
    assert draft.reason.startswith("3 photos taken on 29 Feb 2016, seven years ago")
    assert set(draft.items) == {item.pk for item in leap_day_photos}


def test_leap_day_photos_are_the_day_itself_on_the_29th_and_the_week_around_it_otherwise(user, leap_day_photos):
    assert titles(user, date(2024, 2, 29)) == ["On this day in 2016"]
    assert titles(user, date(2024, 2, 28)) == ["This week, eight years ago"]
    assert titles(user, date(2023, 3, 1)) == ["This week, seven years ago"]


def test_only_earlier_years_count(user):
    photos(user, datetime(2024, 7, 2, 8), 5)  # two days ago
    assert titles(user, date(2024, 7, 4)) == []


def test_two_photos_a_year_are_not_enough_and_time_is_needed(user):
    photos(user, datetime(2021, 7, 4, 10), 2)
    photos(user, datetime(2022, 7, 3, 10), 3)
    assert titles(user, date(2024, 7, 4)) == ["This week, two years ago"]
    assert titles(user, date(2024, 7, 4), scopes=("library", "location")) == []


def test_the_choice_is_spread_over_the_days_of_the_window(user):
    photos(user, datetime(2015, 7, 4, 10), 20)
    late = photos(user, datetime(2015, 7, 6, 10), 2)
    [draft] = on_this_day.drafts(load(user, date(2024, 7, 4)))
    assert len(draft.items) == 9 and {p.pk for p in late} <= set(draft.items)


def test_a_hidden_persons_photos_are_left_out(user):
    hidden = PersonFactory(owner=user, name="Zed", hidden=True)
    shown = photos(user, datetime(2021, 7, 4, 10), 3)
    with_zed = photos(user, datetime(2021, 7, 4, 12), 2)
    for item in with_zed:
        FaceFactory(media=item, person=hidden)
    [draft] = on_this_day.drafts(load(user, date(2024, 7, 4)))
    assert set(draft.items) == {p.pk for p in shown}
    assert draft.reason.startswith("3 photos")
