"""/people/ and the people operations: name, birthday, merge, split a face out, hide; per owner."""

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from PIL import Image

from consent.services import scopes_revoke
from suggestions.models import Face, Person
from suggestions.people import services as people_services

from .conftest import grant, upload_and_analyze

OBAMA = ["faces/obama.jpg", "faces/obama2.jpg", "faces/obama_partial_face.jpg"]
BIDEN = ["faces/biden.jpg", "faces/biden_biden2.jpg"]


@pytest.fixture
def library(user, corpus):
    grant(user, "library", "faces")
    items = {path: upload_and_analyze(user, corpus / path) for path in OBAMA + BIDEN}
    obama = Face.objects.get(media=items["faces/obama.jpg"]).person
    biden = Face.objects.get(media=items["faces/biden.jpg"]).person
    return items, obama, biden


@pytest.fixture
def theirs(other_user, corpus):
    grant(other_user, "library", "faces")
    for path in OBAMA[:2]:
        upload_and_analyze(other_user, corpus / path)
    return Person.objects.get(owner=other_user)


def test_people_page_shows_people_with_their_faces(client, user, library):
    _, obama, biden = library
    client.force_login(user)
    page = client.get(reverse("people:index"))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('class="person-tile"') == 2
    assert reverse("people:crop", args=[obama.cover_face_id]) in text
    crop = client.get(reverse("people:crop", args=[obama.cover_face_id]))
    assert crop.status_code == 200 and crop["Content-Type"] == "image/jpeg"
    assert crop["Cache-Control"].startswith("private")
    image = Image.open(io.BytesIO(crop.content))
    assert image.format == "JPEG" and 40 <= image.width <= 160 and not image.getexif()
    assert 'href="/people/"' in client.get(reverse("library:index")).content.decode()


def test_name_and_birthday(client, user, library):
    _, obama, _ = library
    client.force_login(user)
    response = client.post(
        reverse("people:person", args=[obama.pk]), {"person-name": "  Barack  ", "person-birthday": "1961-08-04"}
    )
    assert response.status_code == 302
    obama.refresh_from_db()
    assert (obama.name, obama.birthday, obama.confirmed) == ("Barack", date(1961, 8, 4), True)
    page = client.get(reverse("people:index")).content.decode()
    assert "Barack" in page
    future = (date.today() + timedelta(days=3)).isoformat()
    response = client.post(reverse("people:person", args=[obama.pk]), {"person-name": "Barack", "person-birthday": future})
    assert response.status_code == 200 and "cannot be in the future" in response.content.decode()
    obama.refresh_from_db()
    assert obama.birthday == date(1961, 8, 4)


def test_merge_two_people(client, user, library):
    items, obama, biden = library
    people_services.person_update(biden, name="Joe")
    client.force_login(user)
    response = client.post(reverse("people:merge", args=[obama.pk]), {"other": biden.pk})
    assert response.status_code == 302
    assert not Person.objects.filter(pk=biden.pk).exists()
    obama.refresh_from_db()
    assert obama.faces.count() == 5 and obama.name == "Joe"


def test_split_a_face_out(client, user, library):
    items, obama, _ = library
    face = Face.objects.get(media=items["faces/obama2.jpg"])
    client.force_login(user)
    response = client.post(reverse("people:detach", args=[face.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("people:person", args=[obama.pk])
    face.refresh_from_db()
    assert face.person_id != obama.pk and face.person.confirmed
    assert obama.faces.count() == 2


def test_hide_and_show(client, user, library):
    _, obama, _ = library
    client.force_login(user)
    client.post(reverse("people:hide", args=[obama.pk]), {"hidden": "yes"})
    obama.refresh_from_db()
    assert obama.hidden
    page = client.get(reverse("people:index")).content.decode()
    assert "Hidden from suggestions" in page
    client.post(reverse("people:hide", args=[obama.pk]), {"hidden": "no"})
    obama.refresh_from_db()
    assert not obama.hidden


def test_a_face_seen_once_can_become_a_person(client, user, corpus, library):
    kit = upload_and_analyze(user, corpus / "faces/kit_with_rose.jpg")
    waiting = Face.objects.filter(media=kit, person__isnull=True)
    assert waiting.count() == 2
    client.force_login(user)
    page = client.get(reverse("people:index")).content.decode()
    assert "Faces seen once (2)" in page
    client.post(reverse("people:detach", args=[waiting.first().pk]))
    assert Face.objects.filter(media=kit, person__isnull=True).count() == 1


@pytest.mark.parametrize(
    "method, name, field",
    [
        ("get", "people:person", "person"),
        ("post", "people:person", "person"),
        ("post", "people:hide", "person"),
        ("post", "people:merge", "person"),
        ("get", "people:crop", "face"),
        ("post", "people:detach", "face"),
    ],
)
def test_another_persons_people_and_faces_are_404(client, user, library, theirs, method, name, field):
    target = theirs.pk if field == "person" else theirs.cover_face_id
    client.force_login(user)
    response = getattr(client, method)(reverse(name, args=[target]), {"hidden": "yes", "person-name": "x"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "" and not theirs.hidden and theirs.faces.count() == 2


def test_merging_with_another_persons_person_is_refused(client, user, library, theirs):
    _, obama, _ = library
    client.force_login(user)
    client.post(reverse("people:merge", args=[obama.pk]), {"other": theirs.pk})
    assert Person.objects.filter(pk=theirs.pk).exists() and theirs.faces.count() == 2
    with pytest.raises(people_services.PeopleError):
        people_services.people_merge(obama, theirs)


def test_people_cannot_be_changed_without_face_recognition(user, library):
    _, obama, _ = library
    scopes_revoke(user, ["faces"], method="web")
    with pytest.raises(people_services.PeopleError):
        people_services.person_update(obama, name="Barack")
    assert not Person.objects.filter(pk=obama.pk).exists()


def test_people_page_explains_itself(client, user):
    grant(user, "library")
    client.force_login(user)
    assert "Face recognition is off" in client.get(reverse("people:index")).content.decode()
    grant(user, "faces")
    assert "No people yet" in client.get(reverse("people:index")).content.decode()


def test_the_item_page_shows_what_each_stage_found(client, user, corpus):
    grant(user, "library", "faces", "themes", "location", "time")
    photos = [upload_and_analyze(user, corpus / path) for path in ["faces/obama_and_biden.jpg", "faces/obama.jpg", "faces/biden.jpg"]]
    located = upload_and_analyze(user, corpus / "exif/DSCN0010.jpg")
    client.force_login(user)
    text = client.get(reverse("library:detail", args=[photos[0].pk])).content.decode()
    assert text.count("</title></rect>") == 3 and "3 found" in text and "not recognised yet" in text
    assert "Quality</dt><dd>" in text and "Main colours" in text
    assert "Found 3 faces" in text  # the ledger
    text = client.get(reverse("library:detail", args=[located.pk])).content.decode()
    assert "Arezzo, Tuscany (IT)" in text and "autumn" in text


def test_changing_people_asks_for_a_suggestions_refresh(user, corpus):
    from suggestions.models import SuggestionRefresh

    grant(user, "library", "faces")
    person = Person.objects.create(owner=user, name="")
    SuggestionRefresh.objects.filter(owner=user).delete()
    people_services.person_update(person, name="Ada")
    assert SuggestionRefresh.objects.get(owner=user).due_at is not None
