"""People and suggestion actions over the API: name, birthday, hide, merge, split a face out;
one suggestion, save, seen, dismiss. Each success, bad input (4xx, never 5xx), another person's
object (404) and anonymous (401)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from rollweb.storage import save_bytes
from suggestions.models import Face, Person, Suggestion

from .conftest import grant, jpeg_bytes
from .factories import FaceFactory, MediaItemFactory, PersonFactory
from .test_api_feed import make_suggestion
from .test_api_media import make_items

PEOPLE = "/api/v1/people/"
FACES = "/api/v1/faces/"
SUGGESTIONS = "/api/v1/suggestions/"


@pytest.fixture
def faces_on(user):
    grant(user, "library", "faces")
    return user


def person_with_faces(owner, count=2, **fields):
    person = PersonFactory(owner=owner, **fields)
    faces = [FaceFactory(media=MediaItemFactory(owner=owner), person=person) for _ in range(count)]
    Person.objects.filter(pk=person.pk).update(cover_face=faces[0])
    person.refresh_from_db()
    return person


def row(person):
    return Person.objects.filter(pk=person.pk).values("name", "birthday", "hidden", "confirmed").first()


# -- one person -------------------------------------------------------------------------------------


def test_one_person(user, api):
    ada = person_with_faces(user, 3, name="Ada", birthday=date(1990, 12, 10))
    response = api.get(f"{PEOPLE}{ada.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": ada.pk, "name": "Ada", "birthday": "1990-12-10", "face_count": 3,
        "cover_media_id": ada.cover_face.media_id, "hidden": False, "feature": "",
    }


def test_another_persons_person_is_404(user, other_user, api, faces_on):
    grant(other_user, "library", "faces")
    theirs = person_with_faces(other_user, name="Theirs")
    before = row(theirs)
    assert api.get(f"{PEOPLE}{theirs.pk}/").status_code == 404
    response = api.patch(f"{PEOPLE}{theirs.pk}/", {"name": "Mine now"}, format="json")
    assert response.status_code == 404 and "detail" in response.json()
    assert api.post(f"{PEOPLE}{theirs.pk}/merge/", {"other": theirs.pk}, format="json").status_code == 404
    assert row(theirs) == before
    assert api.get(f"{PEOPLE}999999/").status_code == 404


# -- name, birthday, hide ---------------------------------------------------------------------------


def test_name_birthday_and_hide(user, api, faces_on):
    person = person_with_faces(user, name="")
    response = api.patch(f"{PEOPLE}{person.pk}/", {"name": "  Ada   Lovelace ", "birthday": "1815-12-10"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["birthday"], body["hidden"], body["face_count"]) == (
        person.pk, "Ada Lovelace", "1815-12-10", False, 2,
    )
    assert row(person) == {"name": "Ada Lovelace", "birthday": date(1815, 12, 10), "hidden": False, "confirmed": True}

    response = api.patch(f"{PEOPLE}{person.pk}/", {"hidden": True}, format="json")
    assert response.status_code == 200 and response.json()["hidden"] is True
    assert row(person)["name"] == "Ada Lovelace"  # only what is sent changes

    response = api.patch(f"{PEOPLE}{person.pk}/", {"name": "", "birthday": None, "hidden": False}, format="json")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["birthday"], response.json()["hidden"]) == ("", None, False)


def test_a_form_encoded_patch_changes_only_what_it_sends(user, api, faces_on):
    person = person_with_faces(user, name="Ada", hidden=True)
    response = api.patch(f"{PEOPLE}{person.pk}/", {"name": "Grace"})  # multipart, without `hidden`
    assert response.status_code == 200
    assert (row(person)["name"], row(person)["hidden"]) == ("Grace", True)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "x" * 101}, "name"),
        ({"name": None}, "name"),
        ({"name": ["Ada"]}, "name"),
        ({"birthday": (timezone.localdate() + timedelta(days=2)).isoformat()}, "birthday"),
        ({"birthday": "9999-12-31"}, "birthday"),
        ({"birthday": "1990-13-01"}, "birthday"),
        ({"birthday": "last spring"}, "birthday"),
        ({"birthday": 19901210}, "birthday"),
        ({"hidden": "perhaps"}, "hidden"),
        ({"hidden": None}, "hidden"),
        ({}, "non_field_errors"),
        ({"face_count": 9}, "non_field_errors"),
        ([], "non_field_errors"),
        ("Ada", "non_field_errors"),
    ],
)
def test_bad_changes_are_field_errors(user, api, faces_on, body, field):
    person = person_with_faces(user, name="Ada", birthday=date(1990, 1, 1))
    before = row(person)
    response = api.patch(f"{PEOPLE}{person.pk}/", body, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert row(person) == before


def test_malformed_json_is_400(user, api, faces_on):
    person = person_with_faces(user)
    response = api.generic("PATCH", f"{PEOPLE}{person.pk}/", "{name:", content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()


def test_people_cannot_be_changed_without_consent_to_faces(user, api):
    grant(user, "library")
    person = person_with_faces(user, name="Ada")
    before = row(person)
    response = api.patch(f"{PEOPLE}{person.pk}/", {"name": "Grace"}, format="json")
    assert response.status_code == 403 and "detail" in response.json()
    other = person_with_faces(user)
    assert api.post(f"{PEOPLE}{person.pk}/merge/", {"other": other.pk}, format="json").status_code == 403
    face = person.faces.first()
    assert api.post(f"{FACES}{face.pk}/detach/").status_code == 403
    assert row(person) == before and Person.objects.filter(owner=user).count() == 2


# -- merge ------------------------------------------------------------------------------------------


def test_merge_another_person_into_this_one(user, api, faces_on):
    ada = person_with_faces(user, 2, name="Ada")
    unnamed = person_with_faces(user, 3, name="", birthday=date(1990, 5, 1))
    their_faces = list(unnamed.faces.values_list("pk", flat=True))
    response = api.post(f"{PEOPLE}{ada.pk}/merge/", {"other": unnamed.pk}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["birthday"], body["face_count"]) == (ada.pk, "Ada", "1990-05-01", 5)
    assert not Person.objects.filter(pk=unnamed.pk).exists()
    assert set(Face.objects.filter(pk__in=their_faces).values_list("person_id", flat=True)) == {ada.pk}
    assert api.get(f"{PEOPLE}{unnamed.pk}/").status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [({}, "other"), ({"other": "Ada"}, "other"), ({"other": None}, "other"), ({"other": 0}, "other"),
     ({"other": 2**63}, "other"), ([1], "non_field_errors")],
)
def test_bad_merges_are_field_errors(user, api, faces_on, body, field):
    person = person_with_faces(user)
    response = api.post(f"{PEOPLE}{person.pk}/merge/", body, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()


def test_a_person_cannot_be_merged_into_themself(user, api, faces_on):
    person = person_with_faces(user, name="Ada")
    response = api.post(f"{PEOPLE}{person.pk}/merge/", {"other": person.pk}, format="json")
    assert response.status_code == 400 and "other" in response.json()
    assert Person.objects.get(pk=person.pk).faces.count() == 2


def test_merging_another_persons_person_is_404(user, other_user, api, faces_on):
    grant(other_user, "library", "faces")
    mine = person_with_faces(user, name="Ada")
    theirs = person_with_faces(other_user, name="Theirs")
    response = api.post(f"{PEOPLE}{mine.pk}/merge/", {"other": theirs.pk}, format="json")
    assert response.status_code == 404 and "detail" in response.json()
    assert theirs.faces.count() == 2 and mine.faces.count() == 2 and row(theirs)["name"] == "Theirs"
    assert api.post(f"{PEOPLE}{mine.pk}/merge/", {"other": 999999}, format="json").status_code == 404


# -- split a face out -------------------------------------------------------------------------------


def test_split_a_face_out(user, api, faces_on):
    person = person_with_faces(user, 3, name="Ada")
    face = person.faces.order_by("pk").last()
    response = api.post(f"{FACES}{face.pk}/detach/")
    assert response.status_code == 201
    body = response.json()
    assert body["id"] != person.pk and body["face_count"] == 1 and body["cover_media_id"] == face.media_id
    assert Face.objects.get(pk=face.pk).person_id == body["id"]
    assert Person.objects.get(pk=person.pk).faces.count() == 2
    assert Person.objects.get(pk=body["id"]).confirmed


def test_another_persons_face_is_404(user, other_user, api, faces_on):
    grant(other_user, "library", "faces")
    theirs = person_with_faces(other_user)
    face = theirs.faces.first()
    response = api.post(f"{FACES}{face.pk}/detach/")
    assert response.status_code == 404 and "detail" in response.json()
    assert Face.objects.get(pk=face.pk).person_id == theirs.pk


# -- one suggestion and its actions -----------------------------------------------------------------


def test_one_suggestion(user, api):
    items = make_items(user, 2)
    suggestion = make_suggestion(user, items, 1, occasion_date="2024-06-01")
    response = api.get(f"{SUGGESTIONS}{suggestion.pk}/")
    assert response.status_code == 200
    assert response.json() == api.get(SUGGESTIONS).json()["results"][0]
    assert response.json()["media_ids"] == [item.pk for item in items]


def test_save(user, api):
    suggestion = make_suggestion(user, make_items(user, 1), 1)
    response = api.post(f"{SUGGESTIONS}{suggestion.pk}/save/")
    assert response.status_code == 200 and response.json()["state"] == "saved"
    assert Suggestion.objects.get(pk=suggestion.pk).state == "saved"
    assert api.post(f"{SUGGESTIONS}{suggestion.pk}/save/", {}, format="json").status_code == 200  # again: the same


def test_seen(user, api):
    new = make_suggestion(user, make_items(user, 1), 1)
    saved = make_suggestion(user, make_items(user, 1), 2, state="saved")
    assert api.post(f"{SUGGESTIONS}{new.pk}/seen/").json()["state"] == "seen"
    assert api.post(f"{SUGGESTIONS}{saved.pk}/seen/").json()["state"] == "saved"
    assert dict(Suggestion.objects.values_list("pk", "state")) == {new.pk: "seen", saved.pk: "saved"}


def test_a_dismissed_suggestion_never_returns(user, api, stored_files, django_capture_on_commit_callbacks):
    name = save_bytes(f"users/{user.pk}/renders/collage.jpg", jpeg_bytes())
    suggestion = make_suggestion(user, make_items(user, 1), 1, asset=name, asset_mime="image/jpeg", state="saved")
    kept = make_suggestion(user, make_items(user, 1), 2)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{SUGGESTIONS}{suggestion.pk}/dismiss/")
    assert response.status_code == 204
    row = Suggestion.objects.get(pk=suggestion.pk)
    assert (row.state, row.asset.name, row.asset_mime) == ("dismissed", "", "")
    assert name not in stored_files()
    assert [entry["id"] for entry in api.get(SUGGESTIONS).json()["results"]] == [kept.pk]
    for path in ("", "asset/", "save/", "seen/", "dismiss/"):
        method = api.get if path in ("", "asset/") else api.post
        response = method(f"{SUGGESTIONS}{suggestion.pk}/{path}")
        assert response.status_code == 404 and "detail" in response.json(), path
    assert Suggestion.objects.get(pk=suggestion.pk).state == "dismissed"


def test_another_persons_suggestion_is_404(user, other_user, api):
    theirs = make_suggestion(other_user, make_items(other_user, 1), 1)
    for path, method in (("", api.get), ("save/", api.post), ("seen/", api.post), ("dismiss/", api.post)):
        response = method(f"{SUGGESTIONS}{theirs.pk}/{path}")
        assert response.status_code == 404 and "detail" in response.json(), path
    assert Suggestion.objects.get(pk=theirs.pk).state == "new"


def test_the_feed_leaves_out_suggestions_with_someone_hidden(user, api):
    items = make_items(user, 2)
    hidden = PersonFactory(owner=user, hidden=True)
    FaceFactory(media=items[0], person=hidden)
    with_them = make_suggestion(user, items, 1)
    without = make_suggestion(user, items[1:], 2)
    assert [entry["id"] for entry in api.get(SUGGESTIONS).json()["results"]] == [without.pk]
    Person.objects.filter(pk=hidden.pk).update(hidden=False)
    assert {entry["id"] for entry in api.get(SUGGESTIONS).json()["results"]} == {with_them.pk, without.pk}


# -- anonymous --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", f"{PEOPLE}1/"), ("patch", f"{PEOPLE}1/"), ("post", f"{PEOPLE}1/merge/"), ("post", f"{FACES}1/detach/"),
        ("get", f"{SUGGESTIONS}1/"), ("post", f"{SUGGESTIONS}1/save/"), ("post", f"{SUGGESTIONS}1/seen/"),
        ("post", f"{SUGGESTIONS}1/dismiss/"),
    ],
)
def test_anonymous_is_401(db, method, path):
    response = getattr(APIClient(), method)(path, {}, format="json")
    assert response.status_code == 401 and "detail" in response.json()


def test_birthday_today_is_fine(user, api, faces_on):
    person = person_with_faces(user)
    today = timezone.localdate().isoformat()
    assert api.patch(f"{PEOPLE}{person.pk}/", {"birthday": today}, format="json").json()["birthday"] == today
