"""The library's timeline: days newest first, keyset pages, consent to time and location, the API."""

import re
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consent import scopes
from consent.models import Method
from consent.services import active_grants, scopes_revoke
from suggestions.library import services, timeline
from suggestions.models import MediaItem

from .conftest import api_client_for, grant
from .factories import MediaItemFactory, UserFactory

UTC = dt_timezone.utc


def _uploaded(day, **kwargs):
    return MediaItemFactory(created_at=datetime(*day, 12, tzinfo=UTC), **kwargs)


@pytest.fixture
def library(user):
    """Three days taken in Italy and Spain, uploaded later, and one photo without a capture time."""
    grant(user, scopes.LIBRARY, scopes.TIME, scopes.LOCATION)
    made = {
        "arezzo": [
            _uploaded((2025, 7, 1), owner=user, taken=datetime(2025, 6, 14, hour), offset=120, place="Arezzo")
            for hour in (9, 11, 18)
        ],
        "siena": [_uploaded((2025, 7, 1), owner=user, taken=datetime(2025, 6, 15, 10), offset=120, place="Siena")],
        "madrid": [_uploaded((2025, 7, 2), owner=user, taken=datetime(2024, 12, 31, 23), offset=60, place="Madrid")],
        "no_time": [_uploaded((2025, 7, 3), owner=user)],
    }
    MediaItemFactory(taken=datetime(2025, 6, 14, 12))  # someone else's
    return made


def _heads(html):
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", head)).strip() for head in re.findall(r'<h3 class="tl-day-head">(.*?)</h3>', html, re.S)]


def test_days_newest_first_with_place_and_upload_days(client, user, library):
    client.force_login(user)
    html = client.get(reverse("library:index")).content.decode()
    assert _heads(html) == [
        "Uploaded Thursday 3 July 2025",
        "Sunday 15 June 2025 · Siena",
        "Saturday 14 June 2025 · Arezzo",
        "Tuesday 31 December 2024 · Madrid",
    ]
    assert re.findall(r'<h2 class="tl-month-head"[^>]*>([^<]+)</h2>', html) == ["July 2025", "June 2025", "December 2024"]
    arezzo = [item.pk for item in reversed(library["arezzo"])]
    shown = [int(pk) for pk in re.findall(r'data-id="(\d+)"', html)]
    assert shown[2:5] == arezzo  # newest first within the day


def test_without_time_every_item_is_on_its_upload_day_and_without_location_no_place(client, user, library):
    scopes_revoke(user, [scopes.TIME, scopes.LOCATION], method=Method.WEB)
    assert MediaItem.objects.filter(owner=user, captured_at__isnull=False).count() == 0
    client.force_login(user)
    html = client.get(reverse("library:index")).content.decode()
    assert _heads(html) == ["Uploaded Thursday 3 July 2025", "Uploaded Wednesday 2 July 2025", "Uploaded Tuesday 1 July 2025"]


def test_capture_times_kept_are_not_used_without_time(user):
    grant(user, scopes.LIBRARY)
    old = _uploaded((2025, 1, 1), owner=user, taken=datetime(2030, 1, 1))
    new = _uploaded((2025, 2, 1), owner=user)
    rows, _ = timeline.page_after(timeline.timeline_items(user, active_grants(user.pk)), None, 10)
    assert [row.pk for row in rows] == [new.pk, old.pk]
    assert [(day.day.isoformat(), day.uploaded) for day in timeline.days(rows, active_grants(user.pk))] == [
        ("2025-02-01", True), ("2025-01-01", True),
    ]


def test_tiles_are_lazy_fixed_boxes_with_both_previews(client, user, library):
    client.force_login(user)
    html = client.get(reverse("library:index")).content.decode()
    item = library["siena"][0]
    tile = re.search(rf'<li class="tile" data-id="{item.pk}".*?</li>', html, re.S).group(0)
    assert 'loading="lazy"' in tile and 'width="400" height="400"' in tile
    small, large = reverse("library:thumbnail", args=[item.pk, "small"]), reverse("library:thumbnail", args=[item.pk, "large"])
    assert f'srcset="{small} 400w, {large} 1280w"' in tile


def _page_ids(html):
    return [int(pk) for pk in re.findall(r'data-id="(\d+)"', html)]


def test_plain_pages_follow_older_links_to_the_end(client, user, settings, monkeypatch):
    grant(user, scopes.LIBRARY, scopes.TIME)
    monkeypatch.setattr("suggestions.library.timeline_views.PAGE_SIZE", 4)
    start = datetime(2020, 1, 1, 8)
    made = [MediaItemFactory(owner=user, taken=start + timedelta(hours=7 * n)) for n in range(10)]
    client.force_login(user)
    url, seen = reverse("library:index"), []
    for _ in range(5):
        html = client.get(url).content.decode()
        seen += _page_ids(html)
        older = re.search(r'href="\?(cursor=[^"]+)" rel="next"', html)
        if not older:
            break
        url = reverse("library:index") + "?" + older.group(1).replace("&amp;", "&")
    assert seen == [item.pk for item in reversed(made)]
    assert "↑ Newest" in html


def test_fragment_is_only_the_timeline(client, user, library):
    client.force_login(user)
    html = client.get(reverse("library:index") + "?fragment=1").content.decode()
    assert html.lstrip().startswith("<section class=\"tl-month\"") and "<html" not in html
    assert len(_page_ids(html)) == 6


@pytest.mark.parametrize("cursor", ["nonsense", "AAAA", "LTEuLTE", "%00", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw"])
def test_bad_cursor_is_a_400(client, api, user, library, cursor):
    client.force_login(user)
    assert client.get(reverse("library:index"), {"cursor": cursor}).status_code == 400
    response = api.get("/api/v1/timeline/items/", {"cursor": cursor})
    assert response.status_code == 400 and "cursor" in response.json()


def test_status_filter_applies_to_the_timeline(client, user, library):
    failed = MediaItemFactory(owner=user, status=MediaItem.Status.FAILED, taken=datetime(2023, 3, 3, 3))
    client.force_login(user)
    html = client.get(reverse("library:index"), {"status": "failed"}).content.decode()
    assert _page_ids(html) == [failed.pk]


def test_api_timeline_in_capture_order_and_media_list_in_upload_order(api, user, library):
    body = api.get("/api/v1/timeline/items/").json()
    expected = [library[key][0].pk for key in ("no_time", "siena")] + [i.pk for i in reversed(library["arezzo"])]
    assert [row["id"] for row in body["results"]] == expected + [library["madrid"][0].pk]
    assert body["next"] is None
    assert body["results"][1]["captured_at"] == "2025-06-15T10:00:00+02:00"
    uploads = [row["id"] for row in api.get("/api/v1/media/").json()["results"]]
    assert uploads == sorted(uploads, key=lambda pk: MediaItem.objects.get(pk=pk).created_at, reverse=True)
    assert uploads != [row["id"] for row in body["results"]]


def test_api_keyset_has_no_gaps_or_repeats_while_items_come_and_go(api, user):
    grant(user, scopes.LIBRARY, scopes.TIME)
    start = datetime(2019, 5, 1, 12)
    made = [MediaItemFactory(owner=user, taken=start + timedelta(days=n % 9, minutes=n)) for n in range(30)]
    # Several items share one sort time: the id decides between them.
    same = [MediaItemFactory(owner=user, taken=datetime(2019, 5, 4, 9)) for _ in range(5)]
    expected = [item.pk for item in sorted(made + same, key=lambda i: (i.captured_at, i.pk), reverse=True)]
    seen, url, deleted = [], "/api/v1/timeline/items/?page_size=4", set()
    while url:
        body = api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        MediaItemFactory(owner=user, taken=datetime(2021, 1, 1))  # newer than every page: never shown here
        unseen = [pk for pk in expected if pk not in seen and pk not in deleted]
        if len(unseen) > 3:
            MediaItem.objects.filter(pk=unseen[2]).delete()
            deleted.add(unseen[2])
    assert seen == [pk for pk in expected if pk not in deleted]
    assert len(deleted) > 3


def test_api_pages_kept_in_the_cache_follow_every_change(api, user, library, django_capture_on_commit_callbacks):
    url = "/api/v1/timeline/items/"
    answer = api.get(url)
    first = answer.json()["results"]
    again = api.get(url)
    assert again["Content-Type"] == answer["Content-Type"] == "application/json" and again.content == answer.content
    gone = library["arezzo"][0]
    gone_id = gone.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.media_delete(gone)
    later = MediaItemFactory(
        owner=user, taken=datetime(2025, 7, 20, 9), offset=120, place="Lucca", latitude=43.84, longitude=10.5
    )
    second = api.get(url).json()["results"]
    assert gone_id in {row["id"] for row in first} and gone_id not in {row["id"] for row in second}
    assert second[0]["id"] == later.pk and second[0]["location"]["place"] == "Lucca"
    scopes_revoke(user, [scopes.LOCATION], method=Method.WEB)
    assert [row["location"] for row in api.get(url).json()["results"]] == [None] * len(second)


def test_api_another_persons_items_never_appear(api, other_api, user, other_user, library):
    grant(other_user, scopes.LIBRARY, scopes.TIME)
    mine = {row["id"] for row in api.get("/api/v1/timeline/items/").json()["results"]}
    theirs = {row["id"] for row in other_api.get("/api/v1/timeline/items/").json()["results"]}
    assert theirs == set() and len(mine) == 6


def test_api_needs_a_token(client, db):
    assert client.get("/api/v1/timeline/items/").status_code == 401


def _queries(fetch):
    cache.clear()  # the scrubber's counts are cached: count the queries of a first visit each time
    with CaptureQueriesContext(connection) as queries:
        response = fetch()
    assert response.status_code == 200
    return len(queries)


def test_queries_per_page_do_not_grow_with_page_size(client, user, monkeypatch):
    grant(user, scopes.LIBRARY, scopes.TIME, scopes.LOCATION)
    for n in range(60):
        MediaItemFactory(owner=user, taken=datetime(2022, 1, 1) + timedelta(hours=5 * n), place="Pisa")
    api = api_client_for(user)
    small = _queries(lambda: api.get("/api/v1/timeline/items/?page_size=5"))
    large = _queries(lambda: api.get("/api/v1/timeline/items/?page_size=50"))
    assert small == large
    client.force_login(user)
    monkeypatch.setattr("suggestions.library.timeline_views.PAGE_SIZE", 5)
    small = _queries(lambda: client.get(reverse("library:index")))
    monkeypatch.setattr("suggestions.library.timeline_views.PAGE_SIZE", 50)
    large = _queries(lambda: client.get(reverse("library:index")))
    assert small == large


def test_position_round_trips():
    position = timeline.Position(at=datetime(2019, 12, 31, 23, 59, 59, 123456, tzinfo=UTC), pk=42)
    assert timeline.Position.decode(position.encode()) == position
