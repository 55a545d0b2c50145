"""Erasure is complete: after every erasure path, a walk of storage and the database finds
nothing left of what was erased (consent.erasure.erasure_leftovers)."""

import pytest
from django.core.files.storage import default_storage

from consent.account import account_erase
from consent.export import export_build, export_request
from consent.services import scopes_revoke
from suggestions.library.services import media_delete
from suggestions.models import Home, MediaItem, ProcessingRecord, Suggestion

from .conftest import grant, upload_and_analyze
from .derived import add_person_and_face, add_suggestion
from .leftovers import erasure_leftovers


@pytest.fixture
def everything(user, other_user, corpus):
    """A person with data under every scope, and a bystander whose data must survive."""
    grant(user, "library", "sync", "time", "location", "faces", "themes")
    items = [upload_and_analyze(user, corpus / "exif" / name) for name in ("DSCN0010.jpg", "DSCN0012.jpg")]
    MediaItem.objects.filter(owner=user).update(
        quality=0.8, sharpness=120.0, exposure=0.5, colourfulness=30.0, phash="8f3c", burst="b1", best_shot=False,
        night=False, indoor=True, colours=["#aabbcc"],
    )
    Home.objects.update_or_create(owner=user, defaults={"latitude": 43.46, "longitude": 11.88, "place": "Arezzo", "country_code": "IT"})
    add_person_and_face(items[0])
    for scope in ("time", "location", "faces", "themes"):
        add_suggestion(user, items, scope, title=f"{scope} suggestion")
    add_suggestion(user, items[:1], title="plain collage")
    export_build(export_request(user)[0].pk)

    grant(other_user, "library", "location", "faces")
    theirs = upload_and_analyze(other_user, corpus / "exif" / "DSCN0010.jpg")
    add_person_and_face(theirs, name="Bo")
    add_suggestion(other_user, [theirs], "location")
    return items


def bystander_intact(other_user):
    assert erasure_leftovers(other_user.pk, scopes=["faces"])  # their faces are still there
    assert MediaItem.objects.filter(owner=other_user, latitude__isnull=False).count() == 1
    assert Suggestion.objects.filter(owner=other_user).count() == 1


@pytest.mark.parametrize("scope", ["library", "time", "location", "faces", "themes"])
def test_revoking_a_scope_leaves_nothing_of_it(user, other_user, everything, scope):
    assert erasure_leftovers(user.pk, scopes=[scope]), "the check must see the data before erasure"
    scopes_revoke(user, [scope], method="web")
    assert erasure_leftovers(user.pk, scopes=[scope]) == []
    bystander_intact(other_user)


def test_revoking_one_scope_keeps_the_others(user, everything):
    scopes_revoke(user, ["location"], method="web")
    item = MediaItem.objects.get(pk=everything[0].pk)
    assert item.captured_at is not None and item.quality == 0.8
    assert Suggestion.objects.filter(owner=user).using_scope("time").exists()
    time_record = ProcessingRecord.objects.get(media=item, stage="capture_time")
    assert "22 Oct 2008" in time_record.detail
    gps_record = ProcessingRecord.objects.get(media=item, stage="gps")
    assert "43.46" not in gps_record.detail and gps_record.outcome == "done"


def test_deleting_an_item_leaves_nothing_of_it(user, other_user, everything, django_capture_on_commit_callbacks):
    item = everything[0]
    names = item.stored_files()
    with django_capture_on_commit_callbacks(execute=True):
        media_delete(item)
    assert erasure_leftovers(user.pk, deleted=[item]) == []
    assert not any(default_storage.exists(name) for name in names)
    # The suggestions it was part of are gone (their renders hold its pixels); others stay.
    assert list(Suggestion.objects.filter(owner=user).values_list("title", flat=True)) == []
    assert MediaItem.objects.filter(pk=everything[1].pk).exists()
    bystander_intact(other_user)


def test_deleting_the_account_leaves_nothing(user, other_user, everything):
    user_id = user.pk
    account_erase(user, method="web")
    assert erasure_leftovers(user_id, scopes=["library", "time", "location", "faces", "themes"], account=True) == []
    bystander_intact(other_user)


def test_the_check_finds_what_an_eraser_missed(user, everything, private_storage):
    scopes_revoke(user, ["location"], method="web")
    MediaItem.objects.filter(pk=everything[0].pk).update(place="Arezzo")
    (private_storage / f"users/{user.pk}/renders/stray.jpg").write_bytes(b"left behind")
    ProcessingRecord.objects.filter(media=everything[1], stage="gps").update(detail="Read GPS coordinates (43.1, 11.8).")
    found = erasure_leftovers(user.pk, scopes=["location"])
    assert "items with location fields: 1" in found
    assert "location findings in processing records: 1" in found
    assert f"stored file users/{user.pk}/renders/stray.jpg that no row points to" in found


def test_the_check_finds_rows_and_files_a_library_erasure_missed(user, everything, private_storage):
    scopes_revoke(user, ["library"], method="web")
    Home.objects.create(owner=user, latitude=1, longitude=2)
    (private_storage / f"users/{user.pk}/thumbs").mkdir(parents=True, exist_ok=True)
    (private_storage / f"users/{user.pk}/thumbs/orphan.jpg").write_bytes(b"x")
    found = erasure_leftovers(user.pk, scopes=["library"])
    assert "1 suggestions.home row(s)" in found
    assert f"stored file users/{user.pk}/thumbs/orphan.jpg" in found
