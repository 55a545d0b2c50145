"""On this day: today's calendar day in earlier years; 29 February is remembered on the 28th."""

from datetime import date, datetime

import pytest

from suggestions.generators import on_this_day

from .crafted import load, photos


@pytest.fixture
def leap_day_photos(user):
    return photos(user, datetime(2016, 2, 29, 12), 2) + photos(user, datetime(2020, 2, 29, 12), 2)


def test_leap_day_photos_come_back_on_the_28th_of_a_common_year(user, leap_day_photos):
    [draft] = on_this_day.drafts(load(user, date(2023, 2, 28)))
    assert draft.kind == "on_this_day"
    assert draft.title == "On this day: 2016 and 2020"
    assert draft.occasion == date(2023, 2, 28)
    assert draft.reason.startswith("4 photos taken on 29 February in 2016 and 2020")
    assert draft.scopes == {"library", "time"}
    assert set(draft.items) == {item.pk for item in leap_day_photos}


def test_leap_day_photos_come_back_on_the_29th_of_a_leap_year_and_not_the_28th(user, leap_day_photos):
    assert on_this_day.drafts(load(user, date(2024, 2, 29)))[0].title == "On this day: 2016 and 2020"
    assert on_this_day.drafts(load(user, date(2024, 2, 28))) == []
    assert on_this_day.drafts(load(user, date(2023, 3, 1))) == []


def test_the_28th_of_a_common_year_shows_both_days(user, leap_day_photos):
    photos(user, datetime(2019, 2, 28, 9), 1)
    [draft] = on_this_day.drafts(load(user, date(2023, 2, 28)))
    assert draft.reason.startswith("5 photos taken on 28 and 29 February in 2016, 2019 and 2020")


def test_only_earlier_years_count_and_a_single_year_says_how_long_ago(user):
    photos(user, datetime(2021, 7, 4, 10), 3)
    photos(user, datetime(2024, 7, 4, 8), 5)  # earlier today
    [draft] = on_this_day.drafts(load(user, date(2024, 7, 4)))
    assert draft.title == "On this day in 2021"
    assert draft.reason.startswith("3 photos taken on 4 July 2021, 3 years ago")
    assert len(draft.items) == 3


def test_two_photos_are_not_enough_and_time_is_needed(user):
    photos(user, datetime(2021, 7, 4, 10), 2)
    assert on_this_day.drafts(load(user, date(2024, 7, 4))) == []
    photos(user, datetime(2022, 7, 4, 10), 2)
    assert on_this_day.drafts(load(user, date(2024, 7, 4), scopes=("library", "location"))) == []


def test_the_choice_is_spread_over_the_years(user):
    photos(user, datetime(2015, 7, 4, 10), 20)
    photos(user, datetime(2019, 7, 4, 10), 2)
    [draft] = on_this_day.drafts(load(user, date(2024, 7, 4)))
    assert len(draft.items) == 9
    assert 2019 in {p.taken.year for p in load(user, date(2024, 7, 4)).photos if p.id in draft.items}
