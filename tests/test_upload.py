"""Uploading: consent, content type, size, hashing, dedup, and every bad-input class."""

import hashlib
import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from consent.services import scopes_revoke
from suggestions.library.services import UploadRefused, media_upload
from suggestions.models import MediaItem, ProcessingRecord

from .conftest import grant, jpeg_bytes, upload_file


def png_claiming(width, height):
    """A tiny PNG whose header claims width × height pixels (a decompression bomb)."""

    def chunk(kind, data):
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_upload_needs_library(user, stored_files):
    with pytest.raises(UploadRefused) as refused:
        upload_file(user, jpeg_bytes())
    assert refused.value.status == 403
    assert "Keep my photos" in refused.value.message
    assert stored_files() == [] and not MediaItem.objects.exists()


def test_upload_keeps_the_bytes_and_their_hash(user, stored_files):
    grant(user, "library")
    data = jpeg_bytes()
    item, created = upload_file(user, data, name="../../etc/holiday.jpg")
    assert created
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert (item.kind, item.mime, item.bytes, item.original_name) == ("photo", "image/jpeg", len(data), "holiday.jpg")
    assert item.status == MediaItem.Status.UPLOADED
    [name] = stored_files()
    assert name.startswith(f"users/{user.pk}/originals/")
    with item.original.open("rb") as stored:
        assert stored.read() == data
    record = ProcessingRecord.objects.get(media=item)
    assert (record.stage, record.outcome, record.scopes) == ("store", "done", ["library"])


def test_the_same_file_twice_is_one_item(user, stored_files):
    grant(user, "library")
    first, created = upload_file(user, jpeg_bytes(), name="a.jpg")
    again, created_again = upload_file(user, jpeg_bytes(), name="b.jpg")
    assert created and not created_again
    assert again.pk == first.pk
    assert len(stored_files()) == 1


def test_dedup_is_per_owner(user, other_user):
    grant(user, "library")
    grant(other_user, "library")
    mine, _ = upload_file(user, jpeg_bytes())
    theirs, created = upload_file(other_user, jpeg_bytes())
    assert created and theirs.pk != mine.pk


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("empty.jpg", b"", "empty"),
        ("notes.jpg", b"just some text, named like a photo\n" * 10, "not a photo or video"),
        ("page.png", b"<html><script>alert(1)</script></html>", "not a photo or video"),
        ("tool.jpg", b"MZ\x90\x00" + b"\x00" * 200, "not a photo or video"),
        ("vector.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not a photo or video"),
        ("bomb.png", png_claiming(100_000, 100_000), "megapixels"),
    ],
)
def test_bad_input_is_refused_with_a_reason(user, stored_files, name, data, message):
    grant(user, "library")
    with pytest.raises(UploadRefused) as refused:
        upload_file(user, data, name=name)
    assert refused.value.status == 400
    assert message in refused.value.message
    assert stored_files() == [] and not MediaItem.objects.exists()


def test_type_comes_from_content_not_name(user):
    grant(user, "library")
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    item, _ = upload_file(user, out.getvalue(), name="looks-like.jpg")
    assert item.mime == "image/png"
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "WEBP")
    item, _ = upload_file(user, out.getvalue(), name="photo.heic")
    assert item.mime == "image/webp"


def test_heic_from_the_corpus_is_accepted(user, corpus):
    grant(user, "library")
    item, created = upload_file(user, corpus / "heic" / "IMG_5195.HEIC")
    assert created and item.mime == "image/heic" and item.kind == "photo"


def test_client_hash_must_match(user, stored_files):
    grant(user, "library")
    with pytest.raises(UploadRefused) as refused:
        upload_file(user, jpeg_bytes(), client_sha256="0" * 64)
    assert refused.value.status == 400
    assert stored_files() == []
    item, created = upload_file(user, jpeg_bytes(), client_sha256=hashlib.sha256(jpeg_bytes()).hexdigest().upper())
    assert created


def test_too_large_is_413(user, settings, stored_files):
    grant(user, "library")
    settings.MAX_UPLOAD_BYTES = 100
    with pytest.raises(UploadRefused) as refused:
        upload_file(user, jpeg_bytes(size=(64, 64)))
    assert refused.value.status == 413
    assert stored_files() == []


def test_automatic_uploads_need_sync(user):
    grant(user, "library")
    with pytest.raises(UploadRefused) as refused:
        upload_file(user, jpeg_bytes(), automatic=True)
    assert refused.value.status == 403
    grant(user, "sync")
    item, created = upload_file(user, jpeg_bytes(), automatic=True)
    assert created and item.automatic


def test_revoked_library_refuses_uploads(user):
    grant(user, "library")
    scopes_revoke(user, ["library"], method="web")
    with pytest.raises(UploadRefused):
        media_upload(user, SimpleUploadedFile("a.jpg", jpeg_bytes()))


# -- through the page ---------------------------------------------------------------------------


def test_page_upload_streams_and_answers_json(client, user, stored_files, settings):
    grant(user, "library")
    client.force_login(user)
    response = client.post(reverse("library:upload"), {"file": SimpleUploadedFile("a.jpg", jpeg_bytes())})
    assert response.status_code == 201
    assert response.json()["status"] == "uploaded"
    response = client.post(reverse("library:upload"), {"file": SimpleUploadedFile("b.jpg", jpeg_bytes())})
    assert response.status_code == 200 and response.json()["created"] is False
    assert len(stored_files()) == 1


def test_page_upload_too_large_is_413_and_keeps_nothing(client, user, stored_files, settings):
    grant(user, "library")
    settings.MAX_UPLOAD_BYTES = 1000
    client.force_login(user)
    big = jpeg_bytes(size=(400, 400), color=(1, 2, 3), quality=100)
    assert len(big) > 1000
    response = client.post(reverse("library:upload"), {"file": SimpleUploadedFile("big.jpg", big)})
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
    assert stored_files() == []


def test_page_upload_without_consent_is_403(client, user):
    client.force_login(user)
    response = client.post(reverse("library:upload"), {"file": SimpleUploadedFile("a.jpg", jpeg_bytes())})
    assert response.status_code == 403
    assert "privacy page" in response.json()["detail"]


def test_form_upload_without_javascript_takes_many_files(client, user, stored_files):
    grant(user, "library")
    client.force_login(user)
    files = [
        SimpleUploadedFile("one.jpg", jpeg_bytes(color=(1, 1, 1))),
        SimpleUploadedFile("two.jpg", jpeg_bytes(color=(250, 250, 250))),
        SimpleUploadedFile("bad.jpg", b"not a photo"),
    ]
    response = client.post(reverse("library:index"), {"files": files}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Uploaded 2 files" in text
    assert "bad.jpg: This is not a photo or video" in text
    assert MediaItem.objects.filter(owner=user).count() == 2
