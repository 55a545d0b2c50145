"""Data export: a zip of everything, built by a worker, streamed to storage, owner-only, 24 h."""

import io
import json
import tracemalloc
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from consent.export import Archive, export_build, export_request, exports_sweep
from consent.models import Export
from consent.services import scopes_revoke
from suggestions.library.services import media_delete
from suggestions.models import MediaItem

from .conftest import grant, jpeg_bytes, upload_and_analyze, upload_file
from .derived import add_person_and_face, add_suggestion
from .leftovers import erasure_leftovers


def _zip(export):
    with default_storage.open(export.file.name, "rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


@pytest.fixture
def library(user, corpus):
    grant(user, "library", "time", "location", "faces")
    first = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    second = upload_and_analyze(user, corpus / "exif" / "DSCN0012.jpg")
    # Two different files with the same name, as from two phones.
    third, _ = upload_file(user, jpeg_bytes(size=(80, 60)), name="DSCN0010.jpg")
    person, face = add_person_and_face(first, name="Ada", birthday=timezone.now().date().replace(year=1990))
    suggestion = add_suggestion(user, [first, second], "time", title="Arezzo, 22 October")
    return {"items": [first, second, MediaItem.objects.get(pk=third.pk)], "person": person, "face": face,
            "suggestion": suggestion}


def test_export_zip_matches_the_library(user, library, corpus):
    export, created = export_request(user)
    assert created and export.status == "queued"
    ready = export_build(export.pk)
    assert ready.status == "ready" and ready.percent == 100
    assert ready.file.name.startswith(f"users/{user.pk}/exports/")
    assert ready.expires_at - ready.finished_at == timedelta(hours=24)
    archive = _zip(ready)
    assert archive.testzip() is None
    names = set(archive.namelist())

    originals = {"originals/DSCN0010.jpg", "originals/DSCN0012.jpg", "originals/DSCN0010 (2).jpg"}
    assert originals <= names
    assert archive.read("originals/DSCN0012.jpg") == (corpus / "exif" / "DSCN0012.jpg").read_bytes()
    assert ready.bytes == default_storage.size(ready.file.name)

    first, second, third = library["items"]
    for item in library["items"]:
        data = json.loads(archive.read(f"items/{item.pk}.json"))
        assert data["sha256"] == item.sha256 and data["original_name"] == item.original_name
        with default_storage.open(item.original.name, "rb") as stored:
            assert archive.read(data["original_file"]) == stored.read()
        assert {record["stage"] for record in data["processing_record"]} >= {"store"}
        assert "owner" not in data and "attempts" not in data
    first_json = json.loads(archive.read(f"items/{first.pk}.json"))
    assert first_json["latitude"] == pytest.approx(43.46744833, abs=1e-6)
    assert first_json["captured_local"] == "2008-10-22T16:28:39"
    assert first_json["faces"] == [
        {"id": library["face"].pk, "person": library["person"].pk, "x": 10, "y": 12, "w": 30, "h": 32,
         "created_at": first_json["faces"][0]["created_at"], "box": [10, 12, 30, 32]}
    ]
    assert first_json["suggestions"] == [library["suggestion"].pk]

    people = json.loads(archive.read("people.json"))
    assert [(p["name"], p["birthday"], p["face_count"], p["media_ids"]) for p in people] == [
        ("Ada", "1990-" + timezone.now().date().strftime("%m-%d"), 1, [first.pk])
    ]
    suggestions = json.loads(archive.read("suggestions.json"))
    assert suggestions[0]["title"] == "Arezzo, 22 October" and suggestions[0]["media_ids"] == [first.pk, second.pk]
    with default_storage.open(library["suggestion"].asset.name, "rb") as stored:
        assert archive.read(suggestions[0]["asset_file"]) == stored.read()

    history = json.loads(archive.read("consent/history.json"))
    assert [event["kind"] for event in history] == ["grant"] * 4
    receipt = json.loads(archive.read("consent/receipt.json"))
    assert receipt["record_id"] == str(user.consent_record.pk)
    other = json.loads(archive.read("other/tombstone.json"))
    assert other == []
    readme = archive.read("README.txt").decode()
    assert "originals/" in readme and "consent/receipt.json" in readme


def test_export_never_contains_face_signatures(user, library):
    archive = _zip(export_build(export_request(user)[0].pk))
    encoding = bytes(library["face"].encoding)
    for name in archive.namelist():
        content = archive.read(name)
        assert encoding not in content, name
        if name.endswith(".json"):
            assert "encoding" not in content.decode(), name


def test_export_of_an_empty_account_still_has_the_consent_history(user):
    archive = _zip(export_build(export_request(user)[0].pk))
    assert json.loads(archive.read("people.json")) == []
    assert json.loads(archive.read("consent/history.json")) == []
    assert not [name for name in archive.namelist() if name.startswith("originals/")]


def test_a_second_request_returns_the_export_under_way(user):
    first, created = export_request(user)
    again, created_again = export_request(user)
    assert created and not created_again and again.pk == first.pk


def test_export_is_built_once_even_if_delivered_twice(user, library, stored_files):
    export, _ = export_request(user)
    assert export_build(export.pk) is not None
    assert export_build(export.pk) is None
    assert len([name for name in stored_files() if "/exports/" in name]) == 1


def test_export_is_queued_after_commit_and_built_by_the_worker(user, library, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export, _ = export_request(user)
    export.refresh_from_db()
    assert export.status == "ready"


def test_zip_is_streamed_not_held_in_memory(user, library):
    """Peak Python memory while copying a 20 MB original stays far below its size."""
    big = 20 * 1024 * 1024
    stored = default_storage.save(f"users/{user.pk}/originals/big.bin", io.BytesIO(b"\x00" * big))
    MediaItem.objects.filter(pk=library["items"][2].pk).update(original=stored, bytes=big)
    export, _ = export_request(user)
    tracemalloc.start()
    try:
        ready = export_build(export.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ready.bytes > big
    assert peak < big / 4


def test_archive_writes_through_a_stream_without_seeking():
    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.chunks = []

        def writable(self):
            return True

        def write(self, data):
            self.chunks.append(bytes(data))
            return len(data)

        def seek(self, *args):
            raise AssertionError("an S3 multipart upload cannot seek")

        def tell(self):
            raise AssertionError("tell() of a buffered upload is not the archive offset")

    stream = Unseekable()
    archive = Archive(stream, progress=lambda steps: None)
    archive.add_json("a.json", {"x": 1})
    archive.add_text("../../etc/passwd", "names are the caller's to make safe")
    archive.close()
    unpacked = zipfile.ZipFile(io.BytesIO(b"".join(stream.chunks)))
    assert json.loads(unpacked.read("a.json")) == {"x": 1}


def test_download_is_for_the_owner_only(client, user, other_user, library):
    ready = export_build(export_request(user)[0].pk)
    url = reverse("consent:export_download", args=[ready.pk])
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(other_user)
    assert client.get(url).status_code == 404
    assert client.get(reverse("consent:export", args=[ready.pk])).status_code == 404
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).testzip() is None


def test_download_expires_after_24_hours(client, user, library, stored_files):
    ready = export_build(export_request(user)[0].pk)
    client.force_login(user)
    url = reverse("consent:export_download", args=[ready.pk])
    Export.objects.filter(pk=ready.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url).status_code == 410
    assert exports_sweep()["expired"] == 1
    ready.refresh_from_db()
    assert ready.status == "expired" and not ready.file
    assert not [name for name in stored_files() if "/exports/" in name]


def test_sweeper_requeues_a_lost_export(user, library, django_capture_on_commit_callbacks):
    export, _ = export_request(user)
    Export.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert exports_sweep()["requeued"] == 1  # eager in tests: built at once
    export.refresh_from_db()
    assert export.status == "ready"


@pytest.mark.parametrize("erase", ["revoke_faces", "revoke_library", "delete_item"])
def test_erasure_takes_exports_with_it(user, library, stored_files, erase, django_capture_on_commit_callbacks):
    ready = export_build(export_request(user)[0].pk)
    assert default_storage.exists(ready.file.name)
    if erase == "delete_item":
        with django_capture_on_commit_callbacks(execute=True):
            media_delete(library["items"][0])
        assert erasure_leftovers(user.pk, deleted=[library["items"][0], ready]) == []
    else:
        scope = erase.split("_")[1]
        scopes_revoke(user, [scope], method="web")
        assert erasure_leftovers(user.pk, scopes=[scope]) == []
    assert not Export.objects.filter(user=user).exists()
    assert not [name for name in stored_files() if "/exports/" in name]


def test_an_export_erased_while_it_was_built_is_discarded(user, library, stored_files, monkeypatch):
    from consent import export as export_module

    export, _ = export_request(user)
    real_receipt = export_module.receipt_build

    def revoke_midway(person):
        scopes_revoke(person, ["faces"], method="web")  # runs while the zip is being written
        return real_receipt(person)

    monkeypatch.setattr(export_module, "receipt_build", revoke_midway)
    assert export_build(export.pk) is None
    assert not Export.objects.filter(user=user).exists()
    assert not [name for name in stored_files() if "/exports/" in name]
