"""The back catalogue of a whole camera roll: trips and big events of any year as recaps titled by
how long ago, the best of each season that has ended, and a memory for each past year around
today's date — and what revoking `location` or `faces` takes away from them."""

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from consent.services import scopes_revoke
from suggestions.feed import services as feed
from suggestions.generators import drafts_for, on_this_day, recaps, seasons
from suggestions.models import Suggestion

from .conftest import grant
from .crafted import load, photos
from .crafted_library import TRIPS, crafted_library
from .factories import HomeFactory


@pytest.fixture
def roll(user):
    return crafted_library(user)


def by_kind(drafts, kind):
    return [draft for draft in drafts if draft.kind == kind]


def test_every_trip_of_eight_years_has_a_recap_titled_by_how_long_ago(roll):
    library = load(roll.user, roll.today)
    titles = [draft.title for draft in recaps.drafts(library)]
    assert len(titles) == len(TRIPS) == 12
    assert "Two years ago: Lisbon" in titles and "Seven years ago: Paris" in titles
    assert "A year ago: Japan" in titles and "Five years ago: Italy" in titles and "Five years ago: Tuscany" in titles
    assert sum(title.startswith("Recap: ") for title in titles) == 3  # the last twelve months
    assert all(len(draft.items) == 12 for draft in recaps.drafts(library))


def test_the_crafted_roll_has_one_memory_for_each_past_year_around_today(roll):
    library = load(roll.user, roll.today)
    drafts = on_this_day.drafts(library)
    years = [library.by_id[draft.items[0]].taken.year for draft in drafts]
    assert years == sorted(set(years), reverse=True) and len(years) >= 4
    for draft, year in zip(drafts, years):
        centre = date(year, roll.today.month, roll.today.day)
        assert all(abs((library.by_id[pk].day - centre).days) <= 3 for pk in draft.items)
        on_the_day = any(library.by_id[pk].day == centre for pk in draft.items)
        assert draft.title.startswith("On this day in" if on_the_day else "This week, ")


def test_each_season_that_has_ended_has_its_best_of(roll):
    library = load(roll.user, roll.today)
    drafts = seasons.drafts(library)
    titles = [draft.title for draft in drafts]
    assert titles[:3] == ["Best of spring 2024", "Best of winter 2023–24", "Best of autumn 2023"]
    assert "Best of summer 2024" not in titles  # it has not ended
    for draft in drafts:
        assert len(draft.items) == 9 and draft.scopes >= {"time", "themes"} and "location" not in draft.scopes
        assert draft.reason.startswith("The best 9 of your ")
    months = {library.by_id[pk].taken.month for pk in drafts[0].items}
    assert len(months) == 3  # spread over March, April and May


def test_a_season_needs_themes_time_enough_photos_and_enough_days(user):
    photos(user, datetime(2023, 7, 1, 10), 12, quality=0.5)
    photos(user, datetime(2023, 7, 20, 10), 12, quality=0.5)
    assert seasons.drafts(load(user, date(2024, 1, 1))) == []  # 24 photos on two days
    for day in (3, 9):
        photos(user, datetime(2023, 8, day, 10), 3, quality=0.5)
    [draft] = seasons.drafts(load(user, date(2024, 1, 1)))
    assert draft.title == "Best of summer 2023" and draft.occasion == date(2023, 6, 1)
    assert seasons.drafts(load(user, date(2024, 1, 1), scopes=("library", "time"))) == []
    assert seasons.drafts(load(user, date(2023, 8, 31))) == []  # summer is not over


def test_south_of_the_equator_the_seasons_turn_round(user):
    HomeFactory(owner=user, latitude=-33.87, longitude=151.21, place="Sydney", region="New South Wales",
                country_code="AU")
    for day in range(1, 25, 4):
        photos(user, datetime(2024, 1, day, 10), 4, quality=0.5)
    [draft] = seasons.drafts(load(user, date(2024, 4, 1)))
    assert draft.title == "Best of summer 2023–24" and "location" in draft.scopes
    [north] = seasons.drafts(load(user, date(2024, 4, 1), scopes=("library", "time", "themes")))
    assert north.title == "Best of winter 2023–24" and "location" not in north.scopes


def test_an_old_everyday_event_is_recapped_only_if_it_was_big(user):
    photos(user, datetime(2020, 5, 9, 10), 20, every=timedelta(minutes=10), where="brighton")
    assert recaps.drafts(load(user, date(2024, 6, 20))) == []
    photos(user, datetime(2020, 5, 9, 14), 10, every=timedelta(minutes=10), where="brighton")
    [draft] = recaps.drafts(load(user, date(2024, 6, 20)))
    assert draft.title == "Four years ago: Brighton" and len(draft.items) == 12


def test_without_location_a_trip_is_a_dated_event_and_has_no_place_in_its_title(roll):
    drafts = drafts_for(load(roll.user, roll.today, scopes=("library", "time", "themes")))
    assert not by_kind(drafts, "trip")
    for draft in drafts:
        assert "location" not in draft.scopes
        assert not any(city in draft.title for city in ("Lisbon", "Kyoto", "Tuscany"))


@pytest.mark.parametrize("scope", ["location", "faces"])
def test_revoking_location_or_faces_removes_exactly_the_memories_that_used_it(
    user, roll, scope, django_capture_on_commit_callbacks
):
    grant(user, "library", "time", "location", "faces", "themes")
    feed.suggestions_refresh(user.pk, today=roll.today)
    before = dict(Suggestion.objects.filter(owner=user).values_list("pk", "scopes_used"))
    kinds = Counter(Suggestion.objects.filter(owner=user).values_list("kind", flat=True))
    assert {"recap_video", "trip", "on_this_day", "best_of_season", "spotlight", "then_and_now"} <= set(kinds)

    with django_capture_on_commit_callbacks(execute=True):  # a roll this large is erased by the erase task
        scopes_revoke(user, [scope], method="web")

    kept = set(Suggestion.objects.filter(owner=user).values_list("pk", flat=True))
    assert kept == {pk for pk, used in before.items() if f",{scope}," not in used}
    if scope == "location":
        assert {"on_this_day", "best_of_season"} <= set(
            Suggestion.objects.filter(pk__in=kept).values_list("kind", flat=True)
        )
        assert not Suggestion.objects.filter(pk__in=kept, kind="trip").exists()
    else:
        people_kinds = ("spotlight", "then_and_now", "together", "been_a_while")
        assert not Suggestion.objects.filter(pk__in=kept, kind__in=people_kinds).exists()
