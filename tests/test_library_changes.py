"""The library's pages are kept in the cache keyed by the person's change counter: each kind of
change the pages show goes through the service that makes it, and the page drawn afterwards shows
it. Months are cut on the clock the days are grouped by."""

import re
from datetime import datetime

from django.urls import reverse

from consent import scopes
from consent.services import scopes_revoke
from suggestions.library import changes, pipeline, services
from suggestions.models import LibraryVersion, MediaItem
from suggestions.people import services as people

from .conftest import api_client_for, grant, upload_file
from .factories import FaceFactory, MediaItemFactory, PersonFactory

TILE = re.compile(r'<li class="tile" data-id="(\d+)" data-status="(\w+)"')


def page(client, **query):
    response = client.get(reverse("library:index"), query)
    assert response.status_code == 200
    return response.content.decode()


def tiles(html):
    return dict(TILE.findall(html))


def version(user):
    return changes.library_version(user.pk)


def test_upload_analysis_and_delete_each_show_on_the_cached_page(client, user, corpus):
    grant(user, scopes.LIBRARY, scopes.TIME, scopes.LOCATION)
    client.force_login(user)
    assert tiles(page(client)) == {}
    assert tiles(page(client)) == {}  # drawn from the cache

    item, created = upload_file(user, corpus / "exif/DSCN0010.jpg")
    assert created and version(user) == 1
    html = page(client)
    assert tiles(html) == {str(item.pk): "uploaded"} and "Arezzo" not in html

    before = version(user)
    pipeline.media_analyze(item.pk)
    stored = MediaItem.objects.get(pk=item.pk)
    assert stored.status == "analyzed" and stored.place == "Arezzo" and stored.captured_at.year == 2008
    assert version(user) > before
    html = page(client)
    assert tiles(html) == {str(item.pk): "analyzed"}
    assert "Arezzo" in html and "October 2008" in html  # the day's place and its capture month

    services.media_delete(stored)
    assert tiles(page(client)) == {}


def test_a_retry_shows_on_the_cached_page(client, user):
    grant(user, scopes.LIBRARY)
    failed = MediaItemFactory(owner=user, status=MediaItem.Status.FAILED)
    client.force_login(user)
    assert tiles(page(client)) == {str(failed.pk): "failed"}
    assert services.media_retry(failed)
    assert tiles(page(client)) == {str(failed.pk): "uploaded"}


def test_naming_a_person_shows_in_the_cached_search(client, user):
    grant(user, scopes.LIBRARY, scopes.FACES)
    item = MediaItemFactory(owner=user)
    person = PersonFactory(owner=user, name="")
    FaceFactory(media=item, person=person)
    client.force_login(user)
    html = page(client, q="anna")
    assert tiles(html) == {} and "No match for ‘anna’" in html

    people.person_update(person, name="Anna")
    assert tiles(page(client, q="anna")) == {str(item.pk): "analyzed"}
    assert "Anna" in page(client)  # the box's hints


def test_renaming_and_hiding_a_person_show_in_the_api_search(user):
    grant(user, scopes.LIBRARY, scopes.FACES)
    item = MediaItemFactory(owner=user)
    person = PersonFactory(owner=user, name="Anna")
    FaceFactory(media=item, person=person)
    api = api_client_for(user)

    def search(q):
        body = api.get("/api/v1/media/", {"q": q}).json()
        return [row["id"] for row in body["results"]], body["query"]["unknown"]

    assert search("anna") == ([item.pk], [])
    people.person_update(person, name="Bea")
    assert search("anna") == ([], ["anna"]) and search("bea") == ([item.pk], [])
    people.person_update(person, hidden=True)
    assert search("bea") == ([], ["bea"])


def test_an_erasure_raises_the_counter(user, django_capture_on_commit_callbacks):
    grant(user, scopes.LIBRARY, scopes.LOCATION)
    MediaItemFactory(owner=user, place="Arezzo", region="Tuscany", country_code="IT", latitude=43.5, longitude=11.9)
    before = version(user)
    with django_capture_on_commit_callbacks(execute=True):
        scopes_revoke(user, [scopes.LOCATION], method="web")
    assert not MediaItem.objects.filter(owner=user).exclude(place="").exists()
    assert version(user) > before


def test_the_counter_is_one_row_raised_in_place(user, other_user):
    assert version(user) == 0
    changes.library_changed(user.pk)
    changes.library_changed(user.pk)
    changes.library_changed(other_user.pk)
    assert dict(LibraryVersion.objects.values_list("owner_id", "n")) == {user.pk: 2, other_user.pk: 1}


def test_months_are_cut_on_the_clock_days_are_grouped_by(client, api, user):
    """Two items taken at a month's turn away from UTC, where their UTC month is the other one: the
    timeline's order, its month headers, the scrubber, a month's page and its items all read the
    camera's clock."""
    grant(user, scopes.LIBRARY, scopes.TIME)
    july_first = MediaItemFactory(owner=user, taken=datetime(2025, 7, 1, 1, 30), offset=120)  # 30 June 23:30 UTC
    june_last = MediaItemFactory(owner=user, taken=datetime(2025, 6, 30, 22, 0), offset=-300)  # 1 July 03:00 UTC
    older = MediaItemFactory(owner=user, taken=datetime(2025, 6, 10, 12, 0))

    months = {row["month"]: row["count"] for row in api.get("/api/v1/timeline/").json()["results"]}
    assert months == {"2025-07": 1, "2025-06": 2}

    def month_items(month):
        return [row["id"] for row in api.get("/api/v1/timeline/items/", {"month": month}).json()["results"]]

    assert month_items("2025-07") == [july_first.pk]
    assert month_items("2025-06") == [june_last.pk, older.pk]

    client.force_login(user)
    html = page(client)
    assert [int(pk) for pk, _ in TILE.findall(html)] == [july_first.pk, june_last.pk, older.pk]
    assert re.findall(r'<h2 class="tl-month-head"[^>]*>([^<]+)</h2>', html) == ["July 2025", "June 2025"]
    june = page(client, month="2025-06")
    assert [int(pk) for pk, _ in TILE.findall(june)] == [june_last.pk, older.pk]
    scrubber = html[html.index('id="scrubber"'):html.index('id="timeline"')]
    assert re.findall(r'aria-label="((?:June|July) 2025, \d+ items?)"', scrubber) == [
        "June 2025, 2 items", "July 2025, 1 item",
    ]
