"""Public holidays: of the country each photo was taken in, and only that country."""

from datetime import date, datetime

from suggestions.generators import holidays

from .crafted import load, photos


def test_a_holiday_in_the_country_the_photos_were_taken_in(user):
    berlin = photos(user, datetime(2022, 10, 3, 12), 3, where="berlin")  # German Unity Day
    photos(user, datetime(2022, 10, 3, 12), 3, where="paris")  # an ordinary Monday in France
    [draft] = holidays.drafts(load(user, date(2023, 9, 25)))
    assert draft.kind == "holiday"
    assert draft.title == "German Unity Day: 2022"
    assert draft.occasion == date(2023, 10, 3)
    assert set(draft.items) == {item.pk for item in berlin}
    assert draft.reason.startswith("3 photos taken on German Unity Day, a public holiday in Germany, in 2022")
    assert draft.scopes >= {"library", "time", "location"}


def test_the_same_day_is_a_holiday_in_one_country_only(user):
    paris = photos(user, datetime(2021, 7, 14, 12), 3, where="paris")
    photos(user, datetime(2021, 7, 14, 12), 3, where="berlin")
    [draft] = holidays.drafts(load(user, date(2023, 7, 10)))
    assert set(draft.items) == {item.pk for item in paris}
    assert "France" in draft.reason


def test_only_in_the_two_weeks_before_and_with_places_and_times(user):
    photos(user, datetime(2022, 10, 3, 12), 3, where="berlin")
    assert holidays.drafts(load(user, date(2023, 9, 18))) == []  # 15 days before
    assert holidays.drafts(load(user, date(2023, 10, 3)))  # on the day
    assert holidays.drafts(load(user, date(2023, 10, 3), scopes=("library", "time"))) == []
    assert holidays.drafts(load(user, date(2023, 10, 3), scopes=("library", "location"))) == []


def test_several_years_of_the_same_holiday(user):
    photos(user, datetime(2020, 12, 25, 10), 2, where="london")
    photos(user, datetime(2022, 12, 25, 10), 2, where="croydon")
    photos(user, datetime(2022, 12, 24, 10), 2, where="london")  # Christmas Eve is no public holiday
    [draft] = holidays.drafts(load(user, date(2023, 12, 20)))
    assert draft.title == "Christmas Day: 2020 and 2022"
    assert len(draft.items) == 4
