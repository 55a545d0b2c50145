"""The sync protocol: check which hashes the server lacks, then upload only those."""

import hashlib
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.test import APIClient

from consent.services import scopes_revoke
from consent.models import Method
from suggestions.models import MediaItem, ProcessingRecord, Tombstone

from .conftest import grant, jpeg_bytes, upload_file

CHECK = "/api/v1/media/check/"
MEDIA = "/api/v1/media/"


def sha(data):
    return hashlib.sha256(data).hexdigest()


def upload(client, data, name="photo.jpg", **fields):
    return client.post(MEDIA, {"file": io.BytesIO(data) if data is not None else "", **fields}, format="multipart")


def named(data, name):
    stream = io.BytesIO(data)
    stream.name = name
    return stream


# -- check ----------------------------------------------------------------------------------------


def test_check_sorts_hashes_into_missing_present_and_deleted(user, api):
    grant(user, "library")
    kept, _ = upload_file(user, jpeg_bytes(color=(1, 2, 3)))
    gone, _ = upload_file(user, jpeg_bytes(color=(4, 5, 6)))
    assert api.delete(f"{MEDIA}{gone.pk}/").status_code == 204
    new = sha(b"never uploaded")
    response = api.post(CHECK, {"sha256": [new, kept.sha256.upper(), gone.sha256, new]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"missing": [new], "present": [kept.sha256], "deleted": [gone.sha256]}


def test_check_never_reveals_another_persons_files(user, other_user, api):
    grant(other_user, "library")
    theirs, _ = upload_file(other_user, jpeg_bytes())
    Tombstone.objects.create(owner=other_user, sha256=sha(b"their deleted file"))
    response = api.post(CHECK, {"sha256": [theirs.sha256, sha(b"their deleted file")]}, format="json")
    assert response.json()["missing"] == [theirs.sha256, sha(b"their deleted file")]


def test_reuploading_a_deleted_file_by_hand_brings_it_back(user, api):
    grant(user, "library")
    data = jpeg_bytes()
    item, _ = upload_file(user, data)
    api.delete(f"{MEDIA}{item.pk}/")
    assert upload(api, data).status_code == 201
    assert api.post(CHECK, {"sha256": [sha(data)]}, format="json").json()["present"] == [sha(data)]
    assert not Tombstone.objects.exists()


def test_check_of_5000_hashes_is_one_query(user, api):
    grant(user, "library")
    item, _ = upload_file(user, jpeg_bytes())
    hashes = [sha(str(n).encode()) for n in range(4999)] + [item.sha256]
    with CaptureQueriesContext(connection) as queries:
        response = api.post(CHECK, {"sha256": hashes}, format="json")
    assert response.status_code == 200
    assert len(response.json()["missing"]) == 4999 and response.json()["present"] == [item.sha256]
    checks = [q["sql"] for q in queries.captured_queries if "sha256" in q["sql"]]
    assert len(checks) == 1 and "UNION" in checks[0]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "sha256"),
        ({"sha256": "a" * 64}, "sha256"),
        ({"sha256": {"a": 1}}, "sha256"),
        ({"sha256": ["xyz"]}, "sha256"),
        ({"sha256": [123]}, "sha256"),
        ({"sha256": [None]}, "sha256"),
        ({"sha256": ["g" * 64]}, "sha256"),
        ({"sha256": ["a" * 65]}, "sha256"),
        ({"sha256": ["a" * 64] * 5001}, "sha256"),
    ],
)
def test_check_refuses_bad_input_with_field_errors(user, api, body, field):
    response = api.post(CHECK, body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_check_names_the_bad_positions(user, api):
    response = api.post(CHECK, {"sha256": ["a" * 64, "nope", "b" * 64, 7]}, format="json")
    assert response.status_code == 400
    assert set(response.json()["sha256"]) == {"1", "3"}


def test_check_accepts_an_empty_list(user, api):
    assert api.post(CHECK, {"sha256": []}, format="json").json() == {"missing": [], "present": [], "deleted": []}


@pytest.mark.parametrize(
    "data, content_type, status",
    [
        (b'{"sha256": [', "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b"null", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b"sha256=abc", "text/plain", 415),
    ],
)
def test_check_refuses_malformed_bodies(user, api, data, content_type, status):
    response = api.generic("POST", CHECK, data, content_type=content_type)
    assert response.status_code == status
    assert "detail" in response.json() or "sha256" in response.json() or "non_field_errors" in response.json()


def test_check_refuses_a_huge_body_without_reading_it(user, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post(CHECK, {"sha256": ["a" * 64] * 100}, format="json")
    assert response.status_code == 413 and "detail" in response.json()


def test_check_needs_credentials(db):
    assert APIClient().post(CHECK, {"sha256": []}, format="json").status_code == 401


# -- upload ---------------------------------------------------------------------------------------


def test_upload_creates_then_recognises_the_same_bytes(user, api, stored_files):
    grant(user, "library")
    data = jpeg_bytes()
    first = api.post(MEDIA, {"file": named(data, "IMG_0001.JPG"), "sha256": sha(data)}, format="multipart")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert (body["sha256"], body["original_name"], body["kind"]) == (sha(data), "IMG_0001.JPG", "photo")
    assert body["bytes"] == len(data)
    again = api.post(MEDIA, {"file": named(data, "copy.jpg")}, format="multipart")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert len([name for name in stored_files() if "/originals/" in name]) == 1


def test_upload_keeps_device_fields_and_the_given_name(user, api):
    grant(user, "library", "sync")
    response = api.post(
        MEDIA,
        {"file": named(jpeg_bytes(), "upload.bin"), "original_name": "dir/Summer.jpg", "device_asset_id": "PH-42",
         "automatic": "true"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    item = MediaItem.objects.get(pk=response.json()["id"])
    assert (item.original_name, item.device_asset_id, item.automatic) == ("Summer.jpg", "PH-42", True)
    assert (response.json()["device_asset_id"], response.json()["automatic"]) == ("PH-42", True)


def test_hash_mismatch_is_400_and_stores_nothing(user, api, stored_files):
    grant(user, "library")
    response = upload(api, jpeg_bytes(), sha256=sha(b"something else"))
    assert response.status_code == 400 and "sha256" in response.json()["detail"]
    assert stored_files() == [] and not MediaItem.objects.exists()


def test_malformed_sha256_is_a_field_error(user, api, stored_files):
    grant(user, "library")
    response = upload(api, jpeg_bytes(), sha256="not-a-hash")
    assert response.status_code == 400 and "sha256" in response.json()
    assert stored_files() == []


def test_upload_without_library_is_403(user, api, stored_files):
    response = upload(api, jpeg_bytes())
    assert response.status_code == 403 and "detail" in response.json()
    assert stored_files() == []


def test_automatic_upload_needs_sync(user, api, stored_files):
    grant(user, "library")
    assert upload(api, jpeg_bytes(), automatic="true").status_code == 403
    assert upload(api, jpeg_bytes(), automatic="false").status_code == 201


def test_automatic_upload_of_a_deleted_file_is_409(user, api):
    grant(user, "library", "sync")
    data = jpeg_bytes()
    item_id = upload(api, data).json()["id"]
    api.delete(f"{MEDIA}{item_id}/")
    response = upload(api, data, automatic="true")
    assert response.status_code == 409 and "deleted" in response.json()["detail"]
    assert not MediaItem.objects.exists()
    assert Tombstone.objects.filter(sha256=sha(data)).exists()


@pytest.mark.parametrize(
    "data",
    [
        b"just text, named like a photo\n" * 10,
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\xff\xd8\xff" + b"\0" * 50,
    ],
)
def test_not_a_photo_is_400(user, api, stored_files, data):
    grant(user, "library")
    response = upload(api, data)
    assert response.status_code == 400 and response.json()["detail"]
    assert stored_files() == []


@pytest.mark.parametrize(
    "fields, field",
    [
        ({}, "file"),
        ({"file": "not a file"}, "file"),
        ({"file": io.BytesIO(b"")}, "file"),
        ({"file": io.BytesIO(b"x"), "automatic": "maybe"}, "automatic"),
        ({"file": io.BytesIO(b"x"), "captured_at": "yesterday"}, "captured_at"),
        ({"file": io.BytesIO(b"x"), "captured_at": "2024-01-01T10:00:00+99:00"}, "captured_at"),
        ({"file": io.BytesIO(b"x"), "device_asset_id": "x" * 256}, "device_asset_id"),
    ],
)
def test_upload_field_errors(user, api, fields, field):
    grant(user, "library")
    response = api.post(MEDIA, fields, format="multipart")
    assert response.status_code == 400
    assert field in response.json()


def test_upload_must_be_multipart(user, api):
    grant(user, "library")
    assert api.post(MEDIA, {"file": "abc"}, format="json").status_code == 415


def test_content_length_over_the_limit_is_413_before_the_body_is_read(user, api, settings):
    grant(user, "library")
    settings.MAX_UPLOAD_BYTES = 1000

    class Unreadable(io.RawIOBase):
        def read(self, *args):
            raise AssertionError("the body was read")

    response = api.generic(
        "POST", MEDIA, b"", content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(10**9), **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413 and "limit" in response.json()["detail"]


def test_a_file_over_the_limit_inside_a_small_overhead_is_413(user, api, settings, stored_files):
    grant(user, "library")
    settings.MAX_UPLOAD_BYTES = len(jpeg_bytes()) - 1
    response = upload(api, jpeg_bytes())
    assert response.status_code == 413
    assert stored_files() == []


def test_uploads_are_rated_per_person(user, other_user, api, other_api, settings):
    grant(user, "library")
    grant(other_user, "library")
    settings.UPLOADS_PER_MINUTE = 2
    assert upload(api, jpeg_bytes(color=(1, 1, 1))).status_code == 201
    assert upload(api, jpeg_bytes(color=(2, 2, 2))).status_code == 201
    refused = upload(api, jpeg_bytes(color=(3, 3, 3)))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert upload(other_api, jpeg_bytes(color=(3, 3, 3))).status_code == 201
    assert api.get(MEDIA).status_code == 200  # reading is not an upload


def test_upload_needs_credentials(db, stored_files):
    assert upload(APIClient(), jpeg_bytes()).status_code == 401
    assert stored_files() == []


# -- the device's capture time ---------------------------------------------------------------------


def png_bytes():
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 30)).save(out, "PNG")
    return out.getvalue()


def test_capture_hint_is_kept_with_time_when_the_file_has_none(user, api, django_capture_on_commit_callbacks):
    grant(user, "library", "time")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, png_bytes(), captured_at="2024-07-14T18:03:11+02:00")
    assert response.status_code == 201
    item = MediaItem.objects.get(pk=response.json()["id"])
    assert item.status == "analyzed"
    assert api.get(f"{MEDIA}{item.pk}/").json()["captured_at"] == "2024-07-14T18:03:11+02:00"
    stages = dict(ProcessingRecord.objects.filter(media=item).values_list("stage", "outcome"))
    assert stages["capture_hint"] == "done"


def test_capture_hint_without_offset_is_local_time(user, api):
    grant(user, "library", "time")
    response = upload(api, png_bytes(), captured_at="2024-07-14T18:03:11")
    assert api.get(f"{MEDIA}{response.json()['id']}/").json()["captured_at"] == "2024-07-14T18:03:11"


def test_capture_hint_is_not_kept_without_time(user, api):
    grant(user, "library")
    response = upload(api, png_bytes(), captured_at="2024-07-14T18:03:11+02:00")
    item = MediaItem.objects.get(pk=response.json()["id"])
    assert item.captured_at is None
    record = ProcessingRecord.objects.get(media=item, stage="capture_hint")
    assert record.outcome == "skipped" and record.scopes == ["library"]


def test_capture_hint_is_erased_with_time(user, api):
    grant(user, "library", "time")
    item_id = upload(api, png_bytes(), captured_at="2024-07-14T18:03:11+02:00").json()["id"]
    scopes_revoke(user, ["time"], method=Method.API)
    assert api.get(f"{MEDIA}{item_id}/").json()["captured_at"] is None


def test_the_files_own_capture_time_wins(user, api, corpus, django_capture_on_commit_callbacks):
    grant(user, "library", "time")
    path = corpus / "exif" / "DSCN0010.jpg"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            MEDIA, {"file": named(path.read_bytes(), path.name), "captured_at": "1999-01-01T00:00:00"},
            format="multipart",
        )
    assert response.status_code == 201
    assert not api.get(f"{MEDIA}{response.json()['id']}/").json()["captured_at"].startswith("1999")
