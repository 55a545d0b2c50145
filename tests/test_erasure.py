"""Revoking a scope erases what was derived under it, in storage too, with counts logged."""

import pytest
from django.core.files.storage import default_storage

from consent.models import ConsentEvent
from consent.services import scopes_revoke
from suggestions.library import services
from suggestions.library.services import media_delete
from suggestions.models import MediaItem, ProcessingRecord, Tombstone

from .conftest import grant, upload_and_analyze


def test_revoking_library_empties_the_persons_storage(user, other_user, corpus, stored_files):
    grant(user, "library", "time", "location")
    grant(other_user, "library")
    for name in ("DSCN0010.jpg", "DSCN0012.jpg"):
        upload_and_analyze(user, corpus / "exif" / name)
    theirs = upload_and_analyze(other_user, corpus / "exif" / "DSCN0010.jpg")
    assert len([f for f in stored_files() if f.startswith(f"users/{user.pk}/")]) == 6

    revocation = scopes_revoke(user, ["library"], method="web")

    assert revocation.erased["media"] == 2 and revocation.erased["files"] == 6
    assert not [f for f in stored_files() if f.startswith(f"users/{user.pk}/")]
    assert not MediaItem.objects.filter(owner=user).exists()
    assert not ProcessingRecord.objects.filter(media__owner=user).exists()
    # Another person's library is untouched.
    assert MediaItem.objects.filter(pk=theirs.pk).exists()
    assert len([f for f in stored_files() if f.startswith(f"users/{other_user.pk}/")]) == 3
    erasure = ConsentEvent.objects.get(record__user=user, kind="erasure", scope="library")
    assert erasure.counts["media"] == 2 and erasure.counts["files"] == 6


def test_revoking_library_also_removes_stray_files_under_the_prefix(user, corpus, stored_files, private_storage):
    grant(user, "library")
    upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    stray = private_storage / f"users/{user.pk}/thumbs/orphan.jpg"
    stray.write_bytes(b"left behind by a crash")
    scopes_revoke(user, ["library"], method="web")
    assert stored_files() == []


def test_revoking_location_erases_coordinates_only(user, corpus):
    grant(user, "library", "time", "location")
    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    assert item.latitude is not None
    revocation = scopes_revoke(user, ["location"], method="web")
    item.refresh_from_db()
    assert (item.latitude, item.longitude, item.place, item.country_code) == (None, None, "", "")
    assert item.captured_at is not None and item.thumb_small
    assert revocation.erased["locations"] == 1
    event = ConsentEvent.objects.get(record__user=user, kind="erasure", scope="location")
    assert event.counts == {"locations": 1, "places": 1, "homes": 1}


def test_revoking_time_erases_capture_times(user, corpus):
    grant(user, "library", "time", "location")
    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    scopes_revoke(user, ["time"], method="web")
    item.refresh_from_db()
    assert (item.captured_at, item.captured_offset, item.camera) == (None, None, "")
    assert item.latitude is not None


def test_deleting_an_item_erases_its_files_and_leaves_a_tombstone(
    user, corpus, stored_files, django_capture_on_commit_callbacks
):
    grant(user, "library")
    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        media_delete(item)
    assert stored_files() == []
    assert not ProcessingRecord.objects.exists()
    assert Tombstone.objects.filter(owner=user, sha256=item.sha256).exists()


def test_a_deletion_that_fails_keeps_the_original(user, corpus, monkeypatch, django_capture_on_commit_callbacks):
    grant(user, "library")
    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")

    def broken(owner_id, burst=""):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "derived_tidy", broken)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        media_delete(item)
    assert default_storage.exists(item.original.name)
