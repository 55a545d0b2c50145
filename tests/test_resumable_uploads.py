"""Resumable uploads (/api/v1/uploads/): chunks in any order, again, too long; the final hash;
another person's upload; abandoned uploads dropped by the sweeper; consent; CSRF for the pages."""

import hashlib
import io
import random
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from PIL import Image

from consent.models import Method
from consent.services import scopes_revoke
from suggestions import tasks
from suggestions.models import ChunkedUpload, MediaItem

from .conftest import grant

UPLOADS = "/api/v1/uploads/"
CHUNK = 4096


@pytest.fixture(autouse=True)
def small_chunks(settings):
    settings.UPLOAD_CHUNK_BYTES = CHUNK


@pytest.fixture
def photo():
    """A JPEG of noise: a dozen or so chunks."""
    rng = random.Random(7)
    image = Image.frombytes("RGB", (160, 160), bytes(rng.randrange(256) for _ in range(160 * 160 * 3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def chunks(data):
    return [data[start:start + CHUNK] for start in range(0, len(data), CHUNK)]


def start(api, data, name="IMG_0001.JPG", digest=None):
    return api.post(UPLOADS, {"name": name, "size": len(data), "sha256": sha(data) if digest is None else digest},
                    format="json")


def put(api, upload_id, index, body):
    return api.put(f"{UPLOADS}{upload_id}/chunks/{index}/", data=body, content_type="application/octet-stream")


def chunk_files(upload_id):
    return [name for name in _walk("users/") if f"/uploads/{upload_id.replace('-', '')}/" in name]


def _walk(prefix):
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return []
    return [prefix + f for f in files] + [n for folder in folders for n in _walk(f"{prefix}{folder}/")]


def test_chunks_in_any_order_make_the_file_kept_as_any_upload(user, api, photo):
    grant(user, "library")
    answer = start(api, photo)
    assert answer.status_code == 201, answer.json()
    upload = answer.json()
    assert upload["chunk_size"] == CHUNK and upload["chunk_count"] == len(chunks(photo)) > 4
    order = list(range(upload["chunk_count"]))[::-1]
    for index in order[:-1]:
        assert put(api, upload["id"], index, chunks(photo)[index]).status_code == 200
    state = api.get(f"{UPLOADS}{upload['id']}/").json()
    assert state["missing"] == [0] and state["received"] == order[:-1][::-1]
    assert put(api, upload["id"], 0, chunks(photo)[0]).status_code == 200
    done = api.post(f"{UPLOADS}{upload['id']}/complete/", {}, format="json")
    assert done.status_code == 201, done.json()
    item = MediaItem.objects.get(owner=user)
    assert done.json()["media"]["id"] == item.pk and done.json()["state"] == "done"
    assert item.sha256 == sha(photo) and item.original_name == "IMG_0001.JPG" and item.kind == "photo"
    with default_storage.open(item.original.name, "rb") as stored:
        assert stored.read() == photo
    assert chunk_files(upload["id"]) == []
    # Completing again (an answer lost on the way) gives the same item.
    again = api.post(f"{UPLOADS}{upload['id']}/complete/", {}, format="json")
    assert again.status_code == 200 and again.json()["media"]["id"] == item.pk


def test_a_repeated_chunk_is_counted_but_not_stored_again(user, api, photo):
    grant(user, "library")
    upload = start(api, photo).json()
    first, second = put(api, upload["id"], 1, chunks(photo)[1]), put(api, upload["id"], 1, chunks(photo)[1])
    assert first.status_code == second.status_code == 200
    assert second.json()["received"] == [1] and second.json()["bytes_received"] == 2 * CHUNK
    assert len(chunk_files(upload["id"])) == 1


def test_chunks_too_long_too_short_or_out_of_range_are_refused(user, api, photo):
    grant(user, "library")
    upload = start(api, photo).json()
    last = upload["chunk_count"] - 1
    too_long = put(api, upload["id"], 0, chunks(photo)[0] + b"x")
    assert too_long.status_code == 413 and "at most 4,096 bytes" in too_long.json()["detail"]
    last_too_long = put(api, upload["id"], last, chunks(photo)[last] + b"x" * 10)
    assert last_too_long.status_code == 413
    too_short = put(api, upload["id"], 0, chunks(photo)[0][:100])
    assert too_short.status_code == 400 and "100 arrived" in too_short.json()["detail"]
    assert put(api, upload["id"], last + 1, b"x").status_code == 400
    assert put(api, upload["id"], -1, b"x").status_code == 404  # not a route
    assert ChunkedUpload.objects.get().parts == {} and chunk_files(upload["id"]) == []


def test_completing_with_chunks_missing_lists_them(user, api, photo):
    grant(user, "library")
    upload = start(api, photo).json()
    put(api, upload["id"], 0, chunks(photo)[0])
    answer = api.post(f"{UPLOADS}{upload['id']}/complete/", {}, format="json")
    assert answer.status_code == 409 and answer.json()["detail"].startswith("Chunks 1, 2")
    assert api.get(f"{UPLOADS}{upload['id']}/").json()["state"] == "receiving"


def test_a_wrong_final_hash_keeps_nothing(user, api, photo):
    grant(user, "library")
    upload = start(api, photo, digest=sha(b"something else")).json()
    for index, body in enumerate(chunks(photo)):
        put(api, upload["id"], index, body)
    answer = api.post(f"{UPLOADS}{upload['id']}/complete/", {}, format="json")
    assert answer.status_code == 400 and "does not match the sha256" in answer.json()["detail"]
    assert not MediaItem.objects.exists() and not ChunkedUpload.objects.exists()
    assert _walk("users/") == []
    assert api.get(f"{UPLOADS}{upload['id']}/").status_code == 404


def test_a_file_that_is_not_a_photo_or_video_is_refused_with_its_reason(user, api):
    grant(user, "library")
    data = b"%PDF-1.4 " + b"x" * 9000
    upload = start(api, data, name="tax.pdf").json()
    for index, body in enumerate(chunks(data)):
        put(api, upload["id"], index, body)
    answer = api.post(f"{UPLOADS}{upload['id']}/complete/", {}, format="json")
    assert answer.status_code == 400 and "not a photo or video" in answer.json()["detail"]
    assert not MediaItem.objects.exists() and _walk("users/") == []


def test_another_persons_upload_is_404(user, api, other_user, other_api, photo):
    grant(user, "library")
    grant(other_user, "library")
    upload = start(api, photo).json()
    put(api, upload["id"], 0, chunks(photo)[0])
    base = f"{UPLOADS}{upload['id']}/"
    assert other_api.get(base).status_code == 404
    assert put(other_api, upload["id"], 1, chunks(photo)[1]).status_code == 404
    assert other_api.post(base + "complete/", {}, format="json").status_code == 404
    assert other_api.delete(base).status_code == 404
    assert ChunkedUpload.objects.get().received == [0] and len(chunk_files(upload["id"])) == 1


def test_abandoned_uploads_are_dropped_after_a_day_with_their_chunks(user, api, photo):
    grant(user, "library")
    old, fresh = start(api, photo).json(), start(api, photo, name="other.jpg").json()
    put(api, old["id"], 0, chunks(photo)[0])
    put(api, fresh["id"], 0, chunks(photo)[0])
    ChunkedUpload.objects.filter(pk=old["id"]).update(updated_at=timezone.now() - timedelta(hours=25))
    tasks.requeue_stuck_media()
    assert list(ChunkedUpload.objects.values_list("name", flat=True)) == ["other.jpg"]
    assert chunk_files(old["id"]) == [] and len(chunk_files(fresh["id"])) == 1
    assert api.get(f"{UPLOADS}{old['id']}/").status_code == 404


def test_consent_is_needed_to_start_and_to_send_and_revoking_erases_uploads(user, api, photo):
    refused = start(api, photo)
    assert refused.status_code == 403 and "privacy page" in refused.json()["detail"]
    grant(user, "library")
    upload = start(api, photo).json()
    put(api, upload["id"], 0, chunks(photo)[0])
    scopes_revoke(user, ["library"], method=Method.WEB)
    assert not ChunkedUpload.objects.exists() and _walk("users/") == []
    assert put(api, upload["id"], 1, chunks(photo)[1]).status_code == 404


def test_a_file_already_in_the_library_needs_no_chunks(user, api, photo):
    grant(user, "library")
    upload = start(api, photo).json()
    for index, body in enumerate(chunks(photo)):
        put(api, upload["id"], index, body)
    api.post(f"{UPLOADS}{upload['id']}/complete/", {}, format="json")
    again = start(api, photo, name="copy.jpg")
    assert again.status_code == 200 and again.json()["state"] == "done" and again.json()["missing"] == []
    assert again.json()["media"]["id"] == MediaItem.objects.get().pk


def test_too_large_or_empty_files_are_refused_at_the_start(user, api, settings):
    grant(user, "library")
    settings.MAX_UPLOAD_BYTES = 10_000
    assert api.post(UPLOADS, {"name": "a.mp4", "size": 10_001}, format="json").status_code == 413
    assert api.post(UPLOADS, {"name": "a.mp4", "size": 0}, format="json").status_code == 400
    assert not ChunkedUpload.objects.exists()


def test_the_pages_send_chunks_with_their_csrf_token_only(user, photo):
    grant(user, "library")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    page = browser.get("/library/")
    token = page.cookies["csrftoken"].value
    body = {"name": "a.jpg", "size": len(photo)}
    assert browser.post(UPLOADS, body, content_type="application/json").status_code == 403
    answer = browser.post(UPLOADS, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert answer.status_code == 201
    url = f"{UPLOADS}{answer.json()['id']}/chunks/0/"
    assert browser.put(url, chunks(photo)[0], content_type="application/octet-stream").status_code == 403
    assert browser.put(url, chunks(photo)[0], content_type="application/octet-stream",
                       HTTP_X_CSRFTOKEN=token).status_code == 200


def _open_multipart_uploads(bucket, prefix):
    answer = bucket.client.list_multipart_uploads(Bucket=bucket.name, Prefix=prefix)
    return [entry["UploadId"] for entry in answer.get("Uploads", [])]


@pytest.mark.integration
def test_on_s3_chunks_are_parts_of_one_multipart_upload_and_the_sweeper_aborts_it(user, api, bucket, settings):
    settings.UPLOAD_CHUNK_BYTES = part = 5 * 1024 * 1024
    grant(user, "library")
    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    data = head + random.Random(5).randbytes(2 * part + 1000 - len(head))
    prefix = f"users/{user.pk}/"
    abandoned = start(api, data, name="abandoned.mp4").json()
    put_part = lambda upload, index: api.put(  # noqa: E731
        f"{UPLOADS}{upload['id']}/chunks/{index}/", data=data[index * part:(index + 1) * part],
        content_type="application/octet-stream",
    )
    assert put_part(abandoned, 2).status_code == 200 and put_part(abandoned, 0).status_code == 200
    assert bucket.keys(prefix) == []  # parts are not objects until the upload is complete
    row = ChunkedUpload.objects.get(pk=abandoned["id"])
    assert _open_multipart_uploads(bucket, prefix) == [row.multipart_id]
    ChunkedUpload.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(days=2))
    tasks.requeue_stuck_media()
    assert _open_multipart_uploads(bucket, prefix) == [] and not ChunkedUpload.objects.exists()

    whole = start(api, data, name="VID_0001.MP4").json()
    for index in (1, 2, 0):
        assert put_part(whole, index).status_code == 200
    done = api.post(f"{UPLOADS}{whole['id']}/complete/", {}, format="json")
    assert done.status_code == 201, done.json()
    item = MediaItem.objects.get(owner=user)
    assert hashlib.sha256(bucket.read(item.original.name)).hexdigest() == sha(data) == item.sha256
    assert [key for key in bucket.keys(prefix) if "/uploads/" in key] == []
    assert _open_multipart_uploads(bucket, prefix) == []
