"""Events: photos close in time and place; a 6-hour gap or a 30-km jump starts a new one."""

import random
from datetime import date, datetime, timedelta

from suggestions.generators import events
from suggestions.generators.clusters import event_clusters

from .crafted import load, photo, photos
from .factories import FaceFactory, PersonFactory

TODAY = date(2024, 6, 20)


def sizes(library):
    return [len(cluster.photos) for cluster in event_clusters(library)]


def test_a_gap_of_more_than_six_hours_starts_a_new_event(user):
    first = photos(user, datetime(2024, 6, 15, 10, 0), 4)  # last at 11:00
    photo(user, first[-1].captured_at.replace(tzinfo=None) + timedelta(hours=6))  # exactly 6 h: same event
    photo(user, datetime(2024, 6, 15, 17, 0) + timedelta(hours=6, seconds=1))  # just over: a new one
    assert sizes(load(user, TODAY)) == [5, 1]


def test_the_gap_is_measured_between_instants_not_camera_clocks(user):
    # 12:00 in London (UTC+0) and 19:00 in Athens (UTC+2) are 5 hours apart, not 7.
    photo(user, datetime(2024, 6, 15, 12, 0), offset=0)
    photo(user, datetime(2024, 6, 15, 19, 0), offset=120)
    assert sizes(load(user, TODAY)) == [2]


def test_a_jump_of_more_than_thirty_km_starts_a_new_event(user):
    photos(user, datetime(2024, 6, 15, 9, 0), 3, where="london")
    photos(user, datetime(2024, 6, 15, 10, 0), 2, where="croydon")  # 15 km away: same outing
    photo(user, datetime(2024, 6, 15, 10, 50))  # no place: cannot jump
    photos(user, datetime(2024, 6, 15, 11, 30), 3, where="brighton")  # 60 km from Croydon, 40 min later
    assert sizes(load(user, TODAY)) == [6, 3]


def test_without_location_only_time_splits(user):
    photos(user, datetime(2024, 6, 15, 9, 0), 3, where="london")
    photos(user, datetime(2024, 6, 15, 11, 30), 3, where="brighton")
    assert sizes(load(user, TODAY, scopes=("library", "time"))) == [6]


def test_an_event_draft_names_place_and_day_and_the_data_it_used(user):
    photos(user, datetime(2024, 6, 15, 14, 0), 8, where="brighton", quality=0.5)
    [draft] = events.drafts(load(user, TODAY))
    assert draft.kind == "event"
    assert draft.title == "Brighton, 15 Jun 2024"
    assert draft.scopes == {"library", "time", "location", "themes"}
    assert draft.reason.startswith("8 photos taken in Brighton within 2 hours")
    assert draft.reason.endswith("Uses your capture times, places and picture quality.")
    assert draft.occasion == date(2024, 6, 15)
    assert len(draft.items) == 8


def test_without_location_the_title_is_the_day(user):
    photos(user, datetime(2024, 6, 15, 14, 0), 8, where="brighton")
    [draft] = events.drafts(load(user, TODAY, scopes=("library", "time")))
    assert draft.title == "Saturday, 15 Jun 2024"
    assert draft.scopes == {"library", "time"}
    assert "places" not in draft.reason and "Brighton" not in draft.reason


def test_small_and_old_events_are_not_suggested(user):
    photos(user, datetime(2024, 6, 15, 14, 0), 5)  # too few
    photos(user, datetime(2024, 4, 1, 14, 0), 10)  # more than 60 days ago
    assert events.drafts(load(user, TODAY)) == []
    assert events.drafts(load(user, TODAY, scopes=("library",))) == []


def test_photos_of_hidden_people_are_left_out_and_faces_are_named_as_used(user):
    items = photos(user, datetime(2024, 6, 15, 14, 0), 8)
    FaceFactory(media=items[0], person=PersonFactory(owner=user, hidden=True))
    [draft] = events.drafts(load(user, TODAY))
    assert items[0].pk not in draft.items and len(draft.items) == 7
    assert "faces" in draft.scopes


def test_the_best_shots_are_chosen_one_per_burst_without_near_duplicates(user):
    start = datetime(2024, 6, 15, 14, 0)
    sharp = photo(user, start, quality=0.9, burst="b1", phash="ffffffffffffffff")
    photo(user, start + timedelta(seconds=1), quality=0.8, burst="b1", phash="fffffffffffffffe")
    photo(user, start + timedelta(seconds=2), quality=0.95, best_shot=False, phash="0f0f0f0f0f0f0f0f")
    lookalike = photo(user, start + timedelta(minutes=5), quality=0.85, phash="fffffffffffff0ff")  # 4 bits from `sharp`
    others = [
        photo(user, start + timedelta(minutes=10 + i), quality=0.5, phash=f"{random.Random(i).getrandbits(64):016x}")
        for i in range(1, 10)
    ]
    [draft] = events.drafts(load(user, TODAY))
    assert draft.items[0] == sharp.pk
    assert lookalike.pk not in draft.items
    assert len(draft.items) == 9 and set(draft.items) <= {sharp.pk, *(o.pk for o in others)}
    assert "sharpness" in draft.reason and "variety" in draft.reason
