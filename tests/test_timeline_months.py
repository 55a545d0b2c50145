"""Jumping to any date: month counts for the scrubber, a month's items, the page from a month."""

import re
from datetime import date, datetime, timezone

import pytest
from django.urls import reverse

from consent import scopes
from suggestions.library import changes, services, timeline

from .conftest import grant
from .factories import MediaItemFactory

UTC = timezone.utc


@pytest.fixture
def spread(user):
    """3 items in June 2025, 2 in December 2024 (one late on New Year's Eve), 1 in January 2019."""
    grant(user, scopes.LIBRARY, scopes.TIME)
    made = {
        "2025-06": [MediaItemFactory(owner=user, taken=datetime(2025, 6, day, 10)) for day in (1, 14, 30)],
        "2024-12": [MediaItemFactory(owner=user, taken=datetime(2024, 12, day, 23, 30)) for day in (2, 31)],
        "2019-01": [MediaItemFactory(owner=user, taken=datetime(2019, 1, 1, 0, 5))],
    }
    MediaItemFactory(taken=datetime(2025, 6, 2, 10))  # another person's
    return made


def test_months_api_counts_newest_first(api, spread):
    assert api.get("/api/v1/timeline/").json() == {
        "results": [{"month": "2025-06", "count": 3}, {"month": "2024-12", "count": 2}, {"month": "2019-01", "count": 1}]
    }


def test_months_without_time_are_upload_months(api, user):
    grant(user, scopes.LIBRARY)
    MediaItemFactory(owner=user, created_at=datetime(2026, 2, 3, tzinfo=UTC))
    assert api.get("/api/v1/timeline/").json() == {"results": [{"month": "2026-02", "count": 1}]}


def test_month_items_are_only_that_month_newest_first(api, spread):
    body = api.get("/api/v1/timeline/items/", {"month": "2024-12"}).json()
    assert [row["id"] for row in body["results"]] == [item.pk for item in reversed(spread["2024-12"])]
    assert body["next"] is None
    assert api.get("/api/v1/timeline/items/", {"month": "2023-05"}).json() == {"results": [], "next": None}


def test_month_items_page_with_their_own_cursor(api, spread):
    first = api.get("/api/v1/timeline/items/", {"month": "2025-06", "page_size": 2}).json()
    second = api.get(first["next"]).json()
    assert [row["id"] for row in first["results"] + second["results"]] == [i.pk for i in reversed(spread["2025-06"])]
    assert "month=2025-06" in first["next"] and second["next"] is None


@pytest.mark.parametrize("month", ["2025-6", "2025-13", "June", "2025-06-01", "0000-00", "２０２５-０６", "2025-06x"])
def test_a_bad_month_is_a_400(api, client, user, spread, month):
    response = api.get("/api/v1/timeline/items/", {"month": month})
    assert response.status_code == 400 and "month" in response.json()
    client.force_login(user)
    assert client.get(reverse("library:index"), {"month": month}).status_code == 400


def test_the_page_starts_at_the_chosen_month_and_goes_on_older(client, user, spread):
    client.force_login(user)
    html = client.get(reverse("library:index"), {"month": "2024-12"}).content.decode()
    shown = [int(pk) for pk in re.findall(r'data-id="(\d+)"', html)]
    assert shown == [item.pk for item in reversed(spread["2024-12"])] + [spread["2019-01"][0].pk]
    assert re.findall(r'<h2 class="tl-month-head"[^>]*>([^<]+)</h2>', html) == ["December 2024", "January 2019"]
    assert "↑ Newest" in html


def test_the_scrubber_links_every_month_with_items_and_says_its_count(client, user, spread):
    client.force_login(user)
    html = client.get(reverse("library:index"), {"month": "2024-12"}).content.decode()
    scrubber = html[html.index('id="scrubber"'):html.index('id="timeline"')]
    links = re.findall(r'href="\?month=([\d-]+)"[^>]*aria-label="([^"]+)"', scrubber)
    assert links == [
        ("2025-06", "2025, 3 items"), ("2025-06", "June 2025, 3 items"),
        ("2024-12", "2024, 2 items"), ("2024-12", "December 2024, 2 items"),
        ("2019-01", "2019, 1 item"), ("2019-01", "January 2019, 1 item"),
    ]
    assert re.search(r'month=2024-12" data-size="3"[^>]*aria-current="true"', scrubber)


def test_scrubber_sizes_months_against_the_busiest():
    counts = [(date(2025, 6, 1), 120), (date(2025, 5, 1), 30), (date(2024, 1, 1), 1)]
    years = timeline.scrubber(counts)
    assert [(year.year, year.count, year.latest) for year in years] == [(2025, 150, date(2025, 6, 1)), (2024, 1, date(2024, 1, 1))]
    assert [size for _, _, size in years[0].months] == [0, 0, 0, 0, 1, 4, 0, 0, 0, 0, 0, 0]
    assert years[1].months[0] == (date(2024, 1, 1), 1, 1)


def test_month_bounds_cross_the_year_end():
    assert timeline.month_bounds(date(2024, 12, 1)) == (
        datetime(2024, 12, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    )


def test_counts_follow_every_change_of_the_library(api, user, spread):
    def counts():
        return {row["month"]: row["count"] for row in api.get("/api/v1/timeline/").json()["results"]}

    assert counts()["2025-06"] == 3
    added = MediaItemFactory(owner=user, taken=datetime(2025, 6, 20, 10))
    assert counts()["2025-06"] == 4
    services.media_delete(added)
    services.media_delete(spread["2025-06"][0])
    assert counts()["2025-06"] == 2
    uploading = MediaItemFactory(owner=user, status="processing", created_at=datetime(2026, 1, 5, tzinfo=UTC))
    assert counts()["2026-01"] == 1
    uploading.status, uploading.captured_at, uploading.captured_offset = "analyzed", datetime(2019, 1, 9, tzinfo=UTC), 0
    uploading.save()
    changes.library_changed(user.pk)  # as stage_run does after a stage's write (test_library_changes)
    assert "2026-01" not in counts() and counts()["2019-01"] == 2
