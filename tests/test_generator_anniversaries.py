"""Anniversaries: a trip or gathering a year or more ago, and the same one recurring over years."""

from datetime import date, datetime, timedelta

from suggestions.generators import anniversaries

from .crafted import load, photos
from .factories import FaceFactory, HomeFactory, PersonFactory


def trip(user, start, days=3, where="florence", per_day=4):
    out = []
    for day in range(days):
        out += photos(user, start + timedelta(days=day), per_day, every=timedelta(hours=2), where=where)
    return out


def test_a_trip_recurring_at_the_same_place_and_season_is_one_occasion(user):
    HomeFactory(owner=user)
    first = trip(user, datetime(2021, 10, 20, 9))
    second = trip(user, datetime(2022, 10, 22, 9), where="siena")
    trip(user, datetime(2022, 5, 1, 9))  # same place, another season
    berlin = trip(user, datetime(2020, 10, 21, 9), where="berlin")  # same season, another place: its own
    draft, other = anniversaries.drafts(load(user, date(2023, 10, 18)))
    assert other.title == "Three years ago: Berlin, 21–23 Oct 2020"
    assert set(other.items) <= {p.pk for p in berlin}
    assert draft.kind == "anniversary"
    assert draft.title == "Tuscany in October: 2021 and 2022"
    assert draft.occasion == date(2023, 10, 22)
    assert draft.topic == f"anniversary:{min(p.pk for p in second)}:2023"
    assert draft.reason.startswith("24 photos from the same trip around 22 October in 2021 and 2022")
    assert draft.scopes >= {"library", "time", "location"}
    assert set(draft.items) <= {p.pk for p in first + second}
    assert {p.pk for p in first} & set(draft.items) and {p.pk for p in second} & set(draft.items)


def test_a_single_trip_comes_back_in_the_week_before_its_date(user):
    HomeFactory(owner=user)
    trip(user, datetime(2021, 10, 22, 9))
    [draft] = anniversaries.drafts(load(user, date(2023, 10, 15)))
    assert draft.title == "Two years ago: Florence, 22–24 Oct 2021"
    assert anniversaries.drafts(load(user, date(2023, 10, 14))) == []  # 8 days before
    assert anniversaries.drafts(load(user, date(2023, 10, 23))) == []  # its date has passed
    assert anniversaries.drafts(load(user, date(2021, 10, 20))) == []  # not yet happened a year ago


def test_a_gathering_of_the_same_people_every_year_without_places(user):
    ada, bo = PersonFactory(owner=user, name="Ada"), PersonFactory(owner=user, name="Bo")
    for year in (2021, 2022):
        for item in photos(user, datetime(year, 12, 24, 15), 8):
            FaceFactory(media=item, person=ada)
            FaceFactory(media=item, person=bo, x=100)
    [draft] = anniversaries.drafts(load(user, date(2023, 12, 20), scopes=("library", "time", "faces")))
    assert draft.title == "With Ada and Bo in December: 2021 and 2022"
    assert draft.scopes == {"library", "time", "faces"}
    assert draft.reason.startswith("16 photos from the same gathering around 24 December in 2021 and 2022")


def test_without_places_or_people_a_big_event_is_remembered_alone(user):
    photos(user, datetime(2022, 3, 5, 12), 20, every=timedelta(minutes=15))
    [draft] = anniversaries.drafts(load(user, date(2023, 3, 1), scopes=("library", "time")))
    assert draft.title == "A year ago: Saturday, 5 Mar 2022"
    assert draft.scopes == {"library", "time"}
    assert anniversaries.drafts(load(user, date(2023, 3, 1), scopes=("library",))) == []


def test_small_events_have_no_anniversary_of_their_own(user):
    photos(user, datetime(2022, 3, 5, 12), 19, every=timedelta(minutes=15))
    assert anniversaries.drafts(load(user, date(2023, 3, 1))) == []


def test_at_most_three_at_a_time_recurring_ones_first(user):
    HomeFactory(owner=user)
    trip(user, datetime(2019, 10, 22, 9), where="berlin")
    trip(user, datetime(2020, 10, 22, 9), where="berlin")
    for year, where in ((2018, "paris"), (2017, "florence"), (2016, "lisbon")):
        trip(user, datetime(year, 10, 21, 9), where=where)
    found = anniversaries.drafts(load(user, date(2023, 10, 18)))
    assert len(found) == 3
    assert found[0].title == "Berlin in October: 2019 and 2020"
