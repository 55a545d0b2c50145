"""Select many in the library: a checkbox form that deletes several items after the same
confirmation as one (with the same erasure) or downloads their originals as one streamed zip."""

import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from consent import scopes
from suggestions.models import MediaItem, Tombstone

from .conftest import grant, jpeg_bytes, upload_and_analyze, upload_file
from .factories import MediaItemFactory

COLOURS = [(200, 80, 40), (40, 160, 90), (30, 60, 200)]


@pytest.fixture
def three(user):
    """Three analysed uploads of the person's, with their stored bytes."""
    grant(user, scopes.LIBRARY, scopes.TIME)
    made = []
    for n, colour in enumerate(COLOURS):
        data = jpeg_bytes(size=(80, 60), color=colour)
        item = upload_and_analyze(user, data, name=f"holiday-{n}.jpg")
        assert item.thumb_small and item.thumb_large
        made.append((item, data))
    return made


def _post(client, **data):
    return client.post(reverse("library:selected"), data)


def test_tiles_carry_a_labelled_checkbox_of_the_selection_form(client, user, three):
    client.force_login(user)
    html = client.get(reverse("library:index")).content.decode()
    assert 'id="select-form"' in html and 'action="/library/selected/"' in html
    for item, _ in three:
        assert f'<input type="checkbox" name="ids" value="{item.pk}" form="select-form">' in html
        assert f"Select {item.original_name}" in html


def test_deleting_several_asks_first_then_erases_like_one(
    client, user, other_user, three, stored_files, django_capture_on_commit_callbacks
):
    theirs = MediaItemFactory(owner=other_user)
    client.force_login(user)
    chosen = [three[0][0], three[2][0]]
    ids = [item.pk for item in chosen] + [theirs.pk]

    asked = _post(client, ids=ids, action="delete", next="/library/?month=2025-06")
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Delete these 2 items?" in page and "holiday-0.jpg" in page and "holiday-2.jpg" in page
    assert 'name="confirm" value="yes"' in page and f'value="{theirs.pk}"' not in page
    assert MediaItem.objects.filter(owner=user).count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        done = _post(client, ids=ids, action="delete", confirm="yes", next="/library/?month=2025-06")
    assert done.status_code == 302 and done["Location"] == "/library/?month=2025-06"
    assert [m.message for m in get_messages(done.wsgi_request)] == ["Deleted 2 items and everything found in them."]
    kept = three[1][0]
    assert list(MediaItem.objects.filter(owner=user).values_list("pk", flat=True)) == [kept.pk]
    assert MediaItem.objects.filter(pk=theirs.pk).exists()
    assert set(Tombstone.objects.filter(owner=user).values_list("sha256", flat=True)) == {i.sha256 for i in chosen}
    assert stored_files() == sorted(kept.stored_files())


def test_another_persons_ids_alone_delete_nothing(client, user, other_user, three):
    theirs = MediaItemFactory(owner=other_user)
    client.force_login(user)
    response = _post(client, ids=[theirs.pk, "x", "-4", "²"], action="delete", confirm="yes")
    assert response.status_code == 302 and response["Location"] == reverse("library:index")
    assert MediaItem.objects.filter(pk=theirs.pk).exists() and MediaItem.objects.filter(owner=user).count() == 3


@pytest.mark.parametrize("data", [{"action": "delete"}, {"ids": ["1"], "action": "rename"}, {"action": "download"}])
def test_nothing_chosen_or_no_action_is_said_plainly(client, user, three, data):
    client.force_login(user)
    if data.get("ids"):
        data = {**data, "ids": [three[0][0].pk]}
    response = _post(client, **data, next="https://elsewhere.example/")
    assert response.status_code == 302 and response["Location"] == reverse("library:index")
    assert [m.message for m in get_messages(response.wsgi_request)] == [
        "Choose one or more items first, then what to do with them."
    ]
    assert MediaItem.objects.filter(owner=user).count() == 3


def test_too_many_at_once_is_refused(client, user, three):
    client.force_login(user)
    response = _post(client, ids=list(range(1, 502)), action="delete", confirm="yes")
    assert response.status_code == 302
    assert [m.message for m in get_messages(response.wsgi_request)] == ["Choose at most 500 items at a time."]
    assert MediaItem.objects.filter(owner=user).count() == 3


def test_only_posts(client, user):
    client.force_login(user)
    assert client.get(reverse("library:selected")).status_code == 405


def test_download_streams_a_zip_of_the_originals_as_stored(client, user, other_user, three):
    theirs = MediaItemFactory(owner=other_user)
    client.force_login(user)
    response = _post(client, ids=[three[0][0].pk, three[1][0].pk, theirs.pk], action="download")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="rollweb-2-items.zip"'
    chunks = list(response.streaming_content)
    assert len(chunks) >= 2, "written and sent as it goes"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == ["holiday-0.jpg", "holiday-1.jpg"]
    for item, data in three[:2]:
        assert archive.read(item.original_name) == data, "the original's bytes, unchanged"


def test_download_of_same_names_keeps_both(client, user):
    grant(user, scopes.LIBRARY)
    first, _ = upload_file(user, jpeg_bytes(color=(1, 2, 3)), name="IMG_0001.JPG")
    second, _ = upload_file(user, jpeg_bytes(color=(250, 2, 3)), name="IMG_0001.JPG")
    client.force_login(user)
    response = _post(client, ids=[first.pk, second.pk], action="download")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == ["IMG_0001 (2).JPG", "IMG_0001.JPG"]


def test_api_bulk_delete_deletes_the_persons_items_only(
    api, user, other_user, three, stored_files, django_capture_on_commit_callbacks
):
    theirs = MediaItemFactory(owner=other_user)
    chosen = [three[0][0].pk, three[1][0].pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/media/bulk-delete/", {"ids": [*chosen, theirs.pk, chosen[0], 999999]}, format="json"
        )
    assert response.status_code == 200
    assert response.json() == {"deleted": sorted(chosen), "not_found": [theirs.pk, 999999]}
    assert list(MediaItem.objects.filter(owner=user).values_list("pk", flat=True)) == [three[2][0].pk]
    assert MediaItem.objects.filter(pk=theirs.pk).exists()
    assert stored_files() == sorted(three[2][0].stored_files())
    check = api.post("/api/v1/media/check/", {"sha256": [three[0][0].sha256]}, format="json").json()
    assert check["deleted"] == [three[0][0].sha256]


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"ids": ["x"]}, {"ids": [0]}, {"ids": list(range(1, 502))}, {"ids": 5}])
def test_api_bulk_delete_refuses_what_it_cannot_read(api, user, three, body):
    response = api.post("/api/v1/media/bulk-delete/", body, format="json")
    assert response.status_code == 400
    assert MediaItem.objects.filter(owner=user).count() == 3


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_download_streams_originals_from_the_bucket(client, bucket):
    """The production engine: the originals read from S3 chunk by chunk into the streamed zip."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from .factories import UserFactory

    person = UserFactory()
    grant(person, scopes.LIBRARY)
    made = {}
    for n, size in enumerate((3 * 1024 * 1024 + 17, 1000)):  # the first spans several chunks
        data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        key = default_storage.save(f"users/{person.pk}/originals/bulk-{n}.jpg", ContentFile(data))
        made[f"trip-{n}.jpg"] = MediaItemFactory(owner=person, original=key, original_name=f"trip-{n}.jpg", bytes=size).pk, data
    assert {f"users/{person.pk}/originals/bulk-0.jpg", f"users/{person.pk}/originals/bulk-1.jpg"} <= set(bucket.keys())
    client.force_login(person)
    response = _post(client, ids=[pk for pk, _ in made.values()], action="download")
    chunks = list(response.streaming_content)
    assert len(chunks) > 3
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert {name: archive.read(name) for name in archive.namelist()} == {name: data for name, (_, data) in made.items()}
