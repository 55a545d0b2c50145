"""Searching the library: matching places, people, dates and kinds, each gated by its consent; the
API filter (GET /api/v1/media/?q=) and the page's box."""

from datetime import datetime

import pytest
from django.urls import reverse

from consent import scopes

from .conftest import api_client_for, grant
from .factories import FaceFactory, MediaItemFactory, PersonFactory, UserFactory

EVERYTHING = (scopes.LIBRARY, scopes.TIME, scopes.LOCATION, scopes.FACES)


@pytest.fixture
def roll(user):
    """Anna in Arezzo at Christmas 2023 (a Sunday), a video in Málaga in June 2024, a weekday in Zürich."""
    anna = PersonFactory(owner=user, name="Anna")
    made = {
        "arezzo": MediaItemFactory(owner=user, taken=datetime(2023, 12, 24, 18), offset=60, place="Arezzo",
                                   region="Tuscany", country_code="IT"),
        "malaga": MediaItemFactory(owner=user, taken=datetime(2024, 6, 12, 11), offset=120, place="Málaga",
                                   region="Andalusia", country_code="ES", kind="video", mime="video/mp4"),
        "zurich": MediaItemFactory(owner=user, taken=datetime(2024, 6, 13, 9), offset=120, place="Zürich",
                                   region="Zurich", country_code="CH"),
    }
    FaceFactory(media=made["arezzo"], person=anna)
    stranger = UserFactory()
    FaceFactory(media=MediaItemFactory(owner=stranger, place="Arezzo", taken=datetime(2023, 12, 24, 10)),
                person=PersonFactory(owner=stranger, name="Anna"))
    return made


def ids(api, q):
    body = api.get("/api/v1/media/", {"q": q}).json()
    return {row["id"] for row in body["results"]}, body["query"]


@pytest.mark.parametrize("q, expected", [
    ("arezzo", {"arezzo"}), ("MALAGA", {"malaga"}), ("zürich", {"zurich"}), ("tuscany", {"arezzo"}),
    ("españa", {"malaga"}), ("Italy", {"arezzo"}), ("anna", {"arezzo"}), ("christmas 2023", {"arezzo"}),
    ("june 2024", {"malaga", "zurich"}), ("12 june", {"malaga"}), ("videos", {"malaga"}),
    ("weekend", {"arezzo"}), ("2024 videos", {"malaga"}), ("anna in arezzo christmas", {"arezzo"}),
    ("winter 2023", {"arezzo"}), ("anna in málaga", set()), ("xyz", set()),
])
def test_matches_with_every_consent(user, roll, q, expected):
    grant(user, *EVERYTHING)
    found, query = ids(api_client_for(user), q)
    assert found == {roll[key].pk for key in expected}
    assert query["needs"] == []


def test_unknown_words_are_said_back_not_dropped(user, roll):
    grant(user, *EVERYTHING)
    found, query = ids(api_client_for(user), "arezzo blorp")
    assert found == {roll["arezzo"].pk}
    assert query["unknown"] == ["blorp"] and "No match for ‘blorp’." in query["messages"]


@pytest.mark.parametrize("q, scope, word", [
    ("june 2024", scopes.TIME, "date"), ("weekend", scopes.TIME, "date"), ("italy", scopes.LOCATION, "place"),
])
def test_each_kind_says_the_permission_it_needs(user, roll, q, scope, word):
    grant(user, *(key for key in EVERYTHING if key != scope))
    found, query = ids(api_client_for(user), q)
    assert found == set() and query["needs"] == [scope]
    title = scopes.SCOPES[scope].title
    assert f"Searching by {word} needs “{title}” in your privacy choices." in query["messages"]


def test_without_faces_names_are_not_searched_and_the_box_says_why(user, roll):
    grant(user, scopes.LIBRARY, scopes.TIME, scopes.LOCATION)
    found, query = ids(api_client_for(user), "anna")
    assert found == set() and query["unknown"] == ["anna"]
    assert f"People's names are searched only with “{scopes.SCOPES[scopes.FACES].title}” on." in query["messages"]


def test_without_location_place_names_of_the_library_are_not_known(user, roll):
    grant(user, scopes.LIBRARY, scopes.TIME, scopes.FACES)
    found, query = ids(api_client_for(user), "arezzo")
    assert found == set() and query["unknown"] == ["arezzo"]
    assert any("Place names are searched only" in message for message in query["messages"])


def test_q_is_only_a_filter_on_the_media_list(user, roll):
    grant(user, *EVERYTHING)
    api = api_client_for(user)
    plain = api.get("/api/v1/media/").json()
    assert "query" not in plain and len(plain["results"]) == 3
    assert "query" not in api.get("/api/v1/media/", {"q": ""}).json()
    assert api.get("/api/v1/media/", {"q": "x" * 201}).status_code == 400
    status_and_q = api.get("/api/v1/media/", {"q": "june 2024", "kind": "photo"}).json()
    assert [row["id"] for row in status_and_q["results"]] == [roll["zurich"].pk]


def test_the_page_box_filters_the_timeline_and_offers_names(client, user, roll):
    grant(user, *EVERYTHING)
    client.force_login(user)
    html = client.get(reverse("library:index"), {"q": "anna qqq"}).content.decode()
    assert f'data-id="{roll["arezzo"].pk}"' in html and f'data-id="{roll["malaga"].pk}"' not in html
    assert "No match for ‘qqq’." in html
    for name in ("Anna", "Arezzo", "Málaga", "Tuscany"):
        assert f'<option value="{name}">' in html
    empty = client.get(reverse("library:index"), {"q": "zzz"}).content.decode()
    assert "Nothing matches “zzz”." in empty


def test_the_page_says_the_permission_a_date_search_needs(client, user, roll):
    grant(user, scopes.LIBRARY, scopes.LOCATION)
    client.force_login(user)
    html = client.get(reverse("library:index"), {"q": "last summer"}).content.decode()
    assert f"Searching by date needs “{scopes.SCOPES[scopes.TIME].title}”" in html
    assert 'class="tile"' not in html
