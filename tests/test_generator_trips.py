"""Trips: events more than 100 km from home, over more than one day, titled with their places."""

from datetime import date, datetime, timedelta

from suggestions.generators import events, trips
from suggestions.analysis.geo import distance_km

from .crafted import PLACES, load, photos
from .factories import HomeFactory

TODAY = date(2023, 11, 1)
LONDON = PLACES["london"]


def north_of_london(km):
    """A point `km` due north of London."""
    return {"latitude": LONDON[0] + km / 111.195, "longitude": LONDON[1], "place": f"{km} km north", "region": "North"}


def days_away(user, start, days, per_day=3, **where):
    out = []
    for day in range(days):
        out += photos(user, start + timedelta(days=day), per_day, every=timedelta(hours=1), **where)
    return out


def test_a_trip_is_titled_with_its_places_and_dates(user):
    HomeFactory(owner=user)
    days_away(user, datetime(2023, 10, 22, 10), 1, where="florence")
    days_away(user, datetime(2023, 10, 23, 10), 1, where="siena")
    days_away(user, datetime(2023, 10, 24, 10), 1, where="arezzo")
    [draft] = trips.drafts(load(user, TODAY))
    assert draft.kind == "trip"
    assert draft.title == "Tuscany, 22–24 Oct 2023"
    assert draft.occasion == date(2023, 10, 22)
    assert draft.scopes >= {"library", "time", "location"}
    assert draft.reason.startswith("9 photos from 3 days in Tuscany, 22–24 Oct 2023, more than 100 km from home")
    assert "places" in draft.reason
    # Its days are not suggested again as separate events.
    assert events.drafts(load(user, TODAY)) == []


def test_the_distance_boundary_is_100_km(user):
    assert round(distance_km(LONDON[0], LONDON[1], north_of_london(99)["latitude"], LONDON[1])) == 99
    HomeFactory(owner=user)
    days_away(user, datetime(2023, 10, 2, 10), 3, **north_of_london(99))
    days_away(user, datetime(2023, 10, 12, 10), 3, **north_of_london(101))
    [trip] = trips.trips(load(user, TODAY))
    assert trip.start.date() == date(2023, 10, 12)


def test_one_day_away_is_an_outing_not_a_trip(user):
    HomeFactory(owner=user)
    photos(user, datetime(2023, 10, 22, 8), 8, every=timedelta(hours=1), where="paris")
    assert trips.trips(load(user, TODAY)) == []
    assert [d.kind for d in events.drafts(load(user, TODAY))] == ["event"]


def test_coming_home_ends_a_trip_and_photos_without_place_stay_in_it(user):
    HomeFactory(owner=user)
    days_away(user, datetime(2023, 10, 2, 10), 2, where="paris")
    photos(user, datetime(2023, 10, 3, 22), 2)  # no GPS, between two days in Paris
    days_away(user, datetime(2023, 10, 4, 10), 1, where="paris")
    days_away(user, datetime(2023, 10, 6, 10), 1, where="london")
    days_away(user, datetime(2023, 10, 7, 10), 2, where="berlin")
    found = trips.trips(load(user, TODAY))
    assert [(t.start.date(), t.end.date(), len(t.photos)) for t in found] == [
        (date(2023, 10, 2), date(2023, 10, 4), 11),
        (date(2023, 10, 7), date(2023, 10, 8), 6),
    ]
    assert [d.title for d in trips.drafts(load(user, TODAY))] == ["Paris, 2–4 Oct 2023", "Berlin, 7–8 Oct 2023"]


def test_a_long_gap_away_makes_two_trips(user):
    HomeFactory(owner=user)
    days_away(user, datetime(2023, 9, 1, 10), 2, where="paris")
    days_away(user, datetime(2023, 9, 10, 10), 2, where="paris")
    assert len(trips.trips(load(user, TODAY))) == 2


def test_without_a_stored_home_the_library_shows_where_home_is(user):
    for week in range(6):
        photos(user, datetime(2023, 8, 1, 12) + timedelta(days=7 * week), 2, where="london")
    days_away(user, datetime(2023, 10, 22, 10), 3, where="florence")
    [draft] = trips.drafts(load(user, TODAY))
    assert draft.title == "Florence, 22–24 Oct 2023"


def test_a_trip_is_named_by_its_city_its_region_or_its_country(user):
    HomeFactory(owner=user)
    days_away(user, datetime(2023, 3, 1, 10), 3, where="paris")
    days_away(user, datetime(2023, 5, 1, 10), 2, where="florence")
    days_away(user, datetime(2023, 5, 3, 10), 2, where="rome")
    days_away(user, datetime(2023, 7, 1, 10), 2, where="kyoto")
    days_away(user, datetime(2023, 7, 3, 10), 2, where="osaka")
    days_away(user, datetime(2023, 9, 1, 10), 2, where="paris")
    days_away(user, datetime(2023, 9, 3, 10), 2, where="berlin")
    titles = [draft.title for draft in trips.drafts(load(user, TODAY))]
    assert titles == [
        "Paris, 1–3 Mar 2023", "Italy, 1–4 May 2023", "Japan, 1–4 Jul 2023", "France and Germany, 1–4 Sep 2023",
    ]


def test_a_city_names_a_trip_when_most_of_its_photos_are_there(user):
    HomeFactory(owner=user)
    days_away(user, datetime(2023, 10, 22, 10), 3, per_day=4, where="florence")
    days_away(user, datetime(2023, 10, 25, 10), 1, per_day=2, where="siena")  # 2 of 14: still Florence
    assert trips.drafts(load(user, TODAY))[0].title == "Florence, 22–25 Oct 2023"
    days_away(user, datetime(2023, 10, 25, 14), 1, per_day=2, where="arezzo")  # 4 of 16: Tuscany
    assert trips.drafts(load(user, TODAY))[0].title == "Tuscany, 22–25 Oct 2023"


def test_trips_need_time_and_location(user):
    HomeFactory(owner=user)
    days_away(user, datetime(2023, 10, 22, 10), 3, where="florence")
    assert trips.drafts(load(user, TODAY, scopes=("library", "time"))) == []
    assert trips.drafts(load(user, TODAY, scopes=("library", "location"))) == []
