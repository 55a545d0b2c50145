"""People and the suggestion feed over the API (read endpoints), and a suggestion's rendered asset."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from rollweb.storage import save_bytes
from suggestions.models import Face, Person, Suggestion, SuggestionItem

from .conftest import jpeg_bytes
from .test_api_media import add_faces, make_items

PEOPLE = "/api/v1/people/"
SUGGESTIONS = "/api/v1/suggestions/"


def make_suggestion(user, items, n=0, **fields):
    suggestion = Suggestion.objects.create(
        owner=user, kind=fields.pop("kind", "collage"), title=f"Weekend {n}", reason="Photos from one weekend.",
        fingerprint=f"fp-{user.pk}-{n}", scopes_used=Suggestion.scopes_value(["library", "time"]), **fields,
    )
    SuggestionItem.objects.bulk_create(
        [SuggestionItem(suggestion=suggestion, media=item, position=position) for position, item in enumerate(items)]
    )
    return suggestion


# -- people -----------------------------------------------------------------------------------------


def test_people_with_face_count_and_cover(user, api):
    items = make_items(user, 3)
    ada = Person.objects.create(owner=user, name="Ada", birthday="1990-12-10")
    add_faces(items, ada, per_item=1)
    ada.cover_face = Face.objects.filter(media=items[1]).first()
    ada.save()
    nobody = Person.objects.create(owner=user, hidden=True)
    response = api.get(PEOPLE)
    assert response.status_code == 200
    by_id = {entry["id"]: entry for entry in response.json()["results"]}
    assert by_id[ada.pk] == {
        "id": ada.pk, "name": "Ada", "birthday": "1990-12-10", "face_count": 3, "cover_media_id": items[1].pk,
        "hidden": False, "feature": "",
    }
    assert (by_id[nobody.pk]["face_count"], by_id[nobody.pk]["cover_media_id"]) == (0, None)
    assert [e["id"] for e in api.get(PEOPLE, {"hidden": "true"}).json()["results"]] == [nobody.pk]
    assert [e["id"] for e in api.get(PEOPLE, {"hidden": "false"}).json()["results"]] == [ada.pk]


def test_people_are_ones_own(user, other_user, api):
    Person.objects.create(owner=other_user, name="Theirs")
    assert api.get(PEOPLE).json()["results"] == []


@pytest.mark.parametrize("query, field", [({"hidden": "perhaps"}, "hidden"), ({"cursor": "zzz"}, "cursor")])
def test_people_bad_query_is_400(user, api, query, field):
    response = api.get(PEOPLE, query)
    assert response.status_code == 400 and field in response.json()


def test_people_query_count_does_not_grow_with_the_page(user, api):
    items = make_items(user, 20)
    for n in range(30):
        add_faces(items[: n % 5 + 1], Person.objects.create(owner=user, name=f"P{n}"), per_item=1)

    def queries(page_size):
        with CaptureQueriesContext(connection) as captured:
            assert len(api.get(PEOPLE, {"page_size": page_size}).json()["results"]) == page_size
        return len(captured)

    assert queries(2) == queries(30)


# -- suggestions ------------------------------------------------------------------------------------


def test_feed_representation_and_order(user, api):
    items = make_items(user, 4)
    older = make_suggestion(user, [items[2], items[0]], 1, occasion_date="2024-06-01")
    newer = make_suggestion(user, items[1:2], 2, kind="on_this_day")
    results = api.get(SUGGESTIONS).json()["results"]
    assert [entry["id"] for entry in results] == [newer.pk, older.pk]
    entry = results[1]
    assert set(entry) == {
        "id", "kind", "title", "reason", "state", "media_ids", "asset_url", "asset_mime", "soundtrack",
        "occasion_date", "created_at",
    }
    assert entry["media_ids"] == [items[2].pk, items[0].pk]
    assert (entry["state"], entry["occasion_date"], entry["asset_url"]) == ("new", "2024-06-01", None)


def test_feed_hides_dismissed_unless_asked(user, api):
    items = make_items(user, 1)
    shown = make_suggestion(user, items, 1)
    dismissed = make_suggestion(user, items, 2, state="dismissed")
    saved = make_suggestion(user, items, 3, state="saved", kind="trip")
    assert {e["id"] for e in api.get(SUGGESTIONS).json()["results"]} == {shown.pk, saved.pk}
    assert [e["id"] for e in api.get(SUGGESTIONS, {"state": "dismissed"}).json()["results"]] == [dismissed.pk]
    assert [e["id"] for e in api.get(SUGGESTIONS, {"kind": "trip"}).json()["results"]] == [saved.pk]


@pytest.mark.parametrize("query, field", [({"state": "gone"}, "state"), ({"kind": "x" * 31}, "kind")])
def test_feed_bad_query_is_400(user, api, query, field):
    response = api.get(SUGGESTIONS, query)
    assert response.status_code == 400 and field in response.json()


def test_feed_is_ones_own(user, other_user, api):
    make_suggestion(other_user, make_items(other_user, 1))
    assert api.get(SUGGESTIONS).json()["results"] == []


def test_feed_query_count_does_not_grow_with_the_page(user, api):
    items = make_items(user, 10)
    for n in range(30):
        make_suggestion(user, items[: n % 9 + 1], n)

    def queries(page_size):
        with CaptureQueriesContext(connection) as captured:
            assert len(api.get(SUGGESTIONS, {"page_size": page_size}).json()["results"]) == page_size
        return len(captured)

    assert queries(2) == queries(30) <= 4


def test_asset_bytes(user, api):
    data = jpeg_bytes()
    name = save_bytes(f"users/{user.pk}/renders/collage.jpg", data)
    suggestion = make_suggestion(user, make_items(user, 1), asset=name, asset_mime="image/jpeg")
    entry = api.get(SUGGESTIONS).json()["results"][0]
    assert entry["asset_url"] == f"http://testserver/api/v1/suggestions/{suggestion.pk}/asset/"
    response = api.get(entry["asset_url"])
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == data
    assert response["Content-Disposition"].startswith("attachment;")


def test_asset_not_rendered_is_404(user, api):
    suggestion = make_suggestion(user, make_items(user, 1))
    assert api.get(f"{SUGGESTIONS}{suggestion.pk}/asset/").status_code == 404


def test_another_persons_asset_is_404(user, other_user, api):
    name = save_bytes(f"users/{other_user.pk}/renders/collage.jpg", jpeg_bytes())
    theirs = make_suggestion(other_user, make_items(other_user, 1), asset=name, asset_mime="image/jpeg")
    assert api.get(f"{SUGGESTIONS}{theirs.pk}/asset/").status_code == 404


@pytest.mark.parametrize("url", [PEOPLE, SUGGESTIONS, f"{SUGGESTIONS}1/asset/"])
def test_anonymous_is_401(db, url):
    assert APIClient().get(url).status_code == 401


def test_hand_built_representation_matches_the_declared_fields(user, rf):
    from rest_framework import serializers as drf

    from suggestions.api.feed import SuggestionSerializer

    name = save_bytes(f"users/{user.pk}/renders/collage.jpg", jpeg_bytes())
    items = make_items(user, 3)
    for suggestion in (
        make_suggestion(user, items, 1, asset=name, asset_mime="image/jpeg", occasion_date="2024-02-29"),
        make_suggestion(user, [], 2),
    ):
        suggestion.refresh_from_db()
        serializer = SuggestionSerializer(suggestion, context={"request": rf.get("/")})
        fast = serializer.data
        assert fast == drf.ModelSerializer.to_representation(serializer, suggestion)
        assert list(fast) == SuggestionSerializer.Meta.fields
