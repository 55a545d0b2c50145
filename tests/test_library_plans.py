"""Every list query of the library reads the owner's rows through an index (PostgreSQL, a seed of a
few thousand rows for several people, ANALYZEd, no planner settings changed), and a page costs the
same number of queries whatever its size (any engine)."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consent import scopes
from suggestions.library import selectors, services, timeline_views
from suggestions.models import MediaItem, Tombstone

from .conftest import api_client_for, grant
from .factories import FaceFactory, HomeFactory, MediaItemFactory, PersonFactory, UserFactory
from .library_seed import library_seed

INDEX_SCAN = re.compile(r"(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)")
MEDIA = '"suggestions_mediaitem"'

LISTS = {
    "timeline page": "/library/",
    "timeline page from a month": "/library/?month=2021-07",
    "timeline items": "/api/v1/timeline/items/?page_size=120",
    "timeline items of a month": "/api/v1/timeline/items/?month=2022-03&page_size=120",
    "scrubber counts": "/api/v1/timeline/",
    "media list": "/api/v1/media/?page_size=100",
    "search: place": "/api/v1/media/?q=m%C3%A1laga",
    "search: country": "/api/v1/media/?q=espa%C3%B1a",
    "search: person": "/api/v1/media/?q=anna",
    "search: month": "/api/v1/media/?q=june+2021",
    "search: yearly days": "/api/v1/media/?q=christmas",
    "search: weekend": "/api/v1/media/?q=weekend",
    "search: kind": "/api/v1/media/?q=videos",
    "search page": "/library/?q=arezzo+2022",
    "map counts": "/api/v1/map/",
    "map counts of a country": "/api/v1/map/?country=IT",
    "map page": "/library/map/",
}


def everything(person):
    grant(person, scopes.LIBRARY, scopes.TIME, scopes.LOCATION, scopes.FACES)


@pytest.fixture
def seeded(db):
    assert connection.vendor == "postgresql", "the plans are PostgreSQL's"
    people = [UserFactory() for _ in range(4)]
    for person in people:
        everything(person)
        library_seed(person, 1500, years=6)
    person = people[1]
    anna = PersonFactory(owner=person, name="Anna")
    for item in MediaItem.objects.filter(owner=person, kind="photo").order_by("pk")[::50]:
        FaceFactory(media=item, person=anna)
    HomeFactory(owner=person, place="Arezzo", region="Tuscany", country_code="IT")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'suggestions_mediaitem'"
            " AND indexdef ~ 'USING btree \\(owner_id'"
        )
        owner_indexes = {row[0] for row in cursor.fetchall()}
    return person, owner_indexes


def explain(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def media_queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return [query["sql"] for query in captured.captured_queries if f"FROM {MEDIA}" in query["sql"]]


@pytest.mark.integration
def test_every_library_list_query_reads_the_owners_rows_through_an_index(seeded, client):
    person, owner_indexes = seeded
    api = api_client_for(person)
    client.force_login(person)
    seen = {}
    for name, path in LISTS.items():
        queries = media_queries(client if not path.startswith("/api/") else api, path)
        if "/api/v1/map/" in path or "/library/map/" in path or path == "/api/v1/timeline/":
            cache.clear()  # counted again, not read from the cache
            queries = media_queries(client if not path.startswith("/api/") else api, path)
        assert queries, name
        for sql in queries:
            plan = explain(sql)
            assert "Seq Scan on suggestions_mediaitem" not in plan, f"{name}: {sql}\n{plan}"
            used = INDEX_SCAN.findall(plan)
            assert set(used) & owner_indexes or (name == "search: person" and used), f"{name}: {sql}\n{plan}"
            seen.setdefault(name, []).extend(used)
    print("\n".join(f"{name}: {sorted(set(used))}" for name, used in seen.items()))


@pytest.mark.integration
def test_the_sync_check_looks_each_hash_up_in_the_hash_indexes(seeded):
    person, _ = seeded
    # A phone's usual check is a few new photos; at 5,000 hashes and 200,000 items the plan is the
    # same (bench/plans/sync_check_of_5_000_hashes.txt).
    present = list(MediaItem.objects.filter(owner=person).values_list("sha256", flat=True)[:10])
    wanted = present + [f"{n:064x}" for n in range(10)]
    sql, params = selectors.check_sql(person.pk, wanted)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        text = "\n".join(row[0] for row in cursor.fetchall())
    assert "unnest" in sql and "Seq Scan on suggestions_mediaitem" not in text, text
    assert "Index Scan using media_sha256_hash_idx" in text, text
    answer = selectors.media_check(person, wanted)
    assert (len(answer["present"]), len(answer["missing"])) == (10, 10)


@pytest.mark.integration
def test_the_sync_check_answers_with_the_persons_own_items_and_tombstones(db):
    """The hash indexes find everyone's rows with a hash: only the person's may answer."""
    person, other = UserFactory(), UserFactory()
    mine, shared = MediaItemFactory(owner=person), MediaItemFactory(owner=other)
    MediaItemFactory(owner=other, sha256=mine.sha256)
    Tombstone.objects.create(owner=person, sha256="d" * 64)
    Tombstone.objects.create(owner=other, sha256="e" * 64)
    Tombstone.objects.create(owner=other, sha256=mine.sha256)
    wanted = [mine.sha256, shared.sha256, "d" * 64, "e" * 64]
    assert selectors.media_check(person, wanted) == {
        "missing": [shared.sha256, "e" * 64], "present": [mine.sha256], "deleted": ["d" * 64],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", [
    "/library/", "/library/?q=arezzo", "/library/?month=2025-03",
    "/api/v1/timeline/items/?page_size={size}", "/api/v1/media/?page_size={size}", "/api/v1/media/?q=anna&page_size={size}",
])
def test_queries_per_page_do_not_grow_with_its_size(path, client, monkeypatch):
    person = UserFactory()
    everything(person)
    library_seed(person, 400, years=1)
    anna = PersonFactory(owner=person, name="Anna")
    for item in MediaItem.objects.filter(owner=person):
        FaceFactory(media=item, person=anna)
    api = api_client_for(person)
    client.force_login(person)
    counts = {}
    for size in (4, 20):
        monkeypatch.setattr(timeline_views, "PAGE_SIZE", size)
        cache.clear()  # nothing read from the cache: the page's own queries at each size
        with CaptureQueriesContext(connection) as captured:
            response = (api if path.startswith("/api/") else client).get(path.format(size=size))
        assert response.status_code == 200
        if path.startswith("/api/"):
            assert len(response.json()["results"]) == size
        else:
            assert response.content.decode().count('<li class="tile"') == size
        counts[size] = len(captured.captured_queries)
    assert counts[4] == counts[20], counts


@pytest.mark.django_db
def test_map_queries_do_not_grow_with_the_number_of_places(client):
    person = UserFactory()
    everything(person)
    client.force_login(person)
    counts = {}
    for places in (2, 12):
        for n in range(len(counts) and 2, places):
            MediaItemFactory(owner=person, place=f"Town {n}", region="Somewhere", country_code=("IT", "FR")[n % 2],
                             latitude=40 + n / 10, longitude=10 + n / 10)
        for path in (reverse("library:map"), reverse("library:map") + "?country=IT"):
            with CaptureQueriesContext(connection) as captured:
                page = client.get(path).content.decode()
            assert page.count('<a class="map-cluster') == (places // 2 if "country" in path else 2)
            counts.setdefault(path, []).append(len(captured.captured_queries))
    assert all(len(set(sizes)) == 1 for sizes in counts.values()), counts


@pytest.mark.django_db
def test_a_timeline_page_drawn_from_the_cache_follows_the_library(client):
    person = UserFactory()
    everything(person)
    library_seed(person, 30, years=1)
    client.force_login(person)

    def tiles():
        page = client.get(reverse("library:index")).content.decode()
        return dict(re.findall(r'<li class="tile" data-id="(\d+)" data-status="(\w+)"', page))

    first = tiles()
    assert len(first) == 30 and tiles() == first
    newest = MediaItemFactory(owner=person, taken=None, status=MediaItem.Status.FAILED)
    assert set(tiles()) == set(first) | {str(newest.pk)} and tiles()[str(newest.pk)] == "failed"
    assert services.media_retry(newest)
    assert tiles()[str(newest.pk)] == "uploaded"
    services.media_delete(newest)
    assert tiles() == first
