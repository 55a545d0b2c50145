"""Your year: from 1 December (never before), and for a past year on demand; the best photo of each
month and a video, with the year's trips, countries and the named people seen most."""

from dataclasses import replace
from datetime import date, datetime

import pytest
from django.urls import reverse

from suggestions.generators import year_review
from suggestions.generators.recap import YEAR_PHOTOS, recap_seconds
from suggestions.models import Person, Suggestion, YearReviewRequest

from .conftest import grant
from .crafted import load, photos
from .crafted_library import crafted_library


@pytest.fixture
def roll(user):
    return crafted_library(user)


def test_the_year_is_reviewed_from_the_first_of_december_and_not_before(roll):
    assert year_review.drafts(load(roll.user, date(2023, 11, 30))) == []
    review, video = year_review.drafts(load(roll.user, date(2023, 12, 1)))
    assert (review.kind, review.title, video.kind) == ("year_review", "Your 2023", "recap_video")
    assert review.reason.startswith("2023 in review: 3 trips, 3 countries, ")
    assert "you went to Japan, Penzance and Amsterdam" in review.reason
    assert "you saw Ada, Ben and Cleo most" in review.reason
    library = load(roll.user, date(2023, 12, 1))
    months = [library.by_id[pk].taken.month for pk in review.items]
    assert months == sorted(set(months)) and len(months) >= 10  # the best photo of each month
    assert review.scopes >= {"time", "location", "faces"} and len(video.items) == YEAR_PHOTOS == 40
    assert video.reason.startswith(f"A {recap_seconds(40):.0f}-second video of 40 of your best photos of 2023")


def test_a_past_year_is_reviewed_when_asked(roll):
    library = replace(load(roll.user, roll.today), review_years=frozenset({2019}), cache={})
    assert [d.title for d in year_review.drafts(library)] == ["Your 2019", "Your 2019: the video"]
    assert "you went to Italy and Edinburgh" in year_review.drafts(library)[0].reason


def test_without_places_or_faces_the_review_says_only_what_it_may(roll):
    [review, _] = year_review.drafts(load(roll.user, date(2023, 12, 1), scopes=("library", "time")))
    assert review.reason == "2023 in review: 254 photos. Uses your capture times."
    assert review.scopes == {"library", "time"} and "Ada" not in review.reason
    assert year_review.drafts(load(roll.user, date(2023, 12, 1), scopes=("library", "location", "faces"))) == []


def test_only_named_people_who_are_not_hidden_are_listed(roll):
    Person.objects.filter(pk=roll.people["Ben"].pk).update(hidden=True)
    [review, _] = year_review.drafts(load(roll.user, date(2023, 12, 1)))
    assert "Ben" not in review.reason and "you saw Ada, Cleo and Dan most" in review.reason


def test_a_thin_year_is_not_reviewed(user):
    photos(user, datetime(2023, 3, 1, 10), 5)
    assert year_review.drafts(load(user, date(2023, 12, 1))) == []


def test_asking_for_a_year_from_the_feed(client, user, other_user, django_capture_on_commit_callbacks):
    grant(user, "library", "time")
    for month in range(1, 13):
        photos(user, datetime(2019, month, 3, 10), 2)
    client.force_login(user)
    assert "Make my year in review" in client.get(reverse("feed:index")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("feed:year_review"), {"year": "2019"})
    assert response.status_code == 302
    assert set(Suggestion.objects.filter(owner=user).values_list("title", flat=True)) >= {
        "Your 2019", "Your 2019: the video",
    }
    assert not YearReviewRequest.objects.filter(owner=other_user).exists()
    assert client.post(reverse("feed:year_review"), {"year": "3000"}).status_code == 400
    assert client.post(reverse("feed:year_review"), {"year": "x"}).status_code == 400
    assert client.get(reverse("feed:year_review")).status_code == 405
