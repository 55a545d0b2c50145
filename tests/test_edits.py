"""Edit suggestions end to end: planned under `themes` when a photo is measured, proposed for
the best photos of the latest events, saved in a frame as a rendition beside the original (which
never changes), and erased with the scopes they used."""

import hashlib
import io
from datetime import date, datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from consent.models import Method
from consent.services import scopes_revoke
from suggestions.edits import selectors as edit_selectors, services as edits
from suggestions.feed import render as feed_render, services as feed
from suggestions.generators import edits as edit_drafts
from suggestions.models import MediaItem, Rendition, Suggestion

from .conftest import api_client_for, grant, upload_and_analyze
from .crafted import load, photos
from .factories import FaceFactory, PersonFactory, UserFactory
from .leftovers import erasure_leftovers


def dark_photo(corpus):
    """A real camera photo, under-exposed, keeping its EXIF (GPS included)."""
    source = Image.open(corpus / "exif" / "DSCN0012.jpg")
    exif = source.info["exif"]
    out = io.BytesIO()
    source.convert("RGB").point(lambda value: int(value * 0.35)).save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def saved(suggestion, frame):
    """Save an edit and run the worker's task for it (tests run no on_commit callbacks)."""
    rendition = edits.edit_save(suggestion, frame)
    edits.rendition_render(rendition.pk)
    rendition.refresh_from_db()
    return rendition


def luminance(data):
    gray = Image.open(io.BytesIO(data)).convert("L")
    return sum(gray.getdata()) / (255 * gray.width * gray.height)


def stored(name):
    with default_storage.open(name, "rb") as file:
        return file.read()


def has_exif(data):
    return bool(Image.open(io.BytesIO(data)).getexif()) or b"Exif\x00\x00" in data


@pytest.fixture
def editor(user):
    grant(user, "library", "themes")
    return user


@pytest.fixture
def dark(corpus):
    return dark_photo(corpus)


@pytest.fixture
def edit(editor, dark):
    """An analysed under-exposed photo and its rendered edit suggestion."""
    item = upload_and_analyze(editor, dark, "dark.jpg")
    feed.suggestions_refresh(editor.pk)
    suggestion = Suggestion.objects.get(owner=editor, kind="edit")
    feed_render.suggestion_render(suggestion.pk)
    suggestion.refresh_from_db()
    return item, suggestion


def test_measuring_a_dark_photo_plans_an_edit_and_finds_its_subject(editor, dark):
    item = upload_and_analyze(editor, dark, "dark.jpg")
    assert item.status == "analyzed"
    assert item.enhancement and "brighter" in edit_selectors.edit_plan(item).corrections
    assert len(item.subject) == 4 and 0 <= item.subject[0] < item.subject[2] <= 1
    assert "An automatic edit would make it" in item.ledger.get(stage="themes").detail


def test_a_photo_that_is_already_fine_gets_no_edit(editor, corpus):
    item = upload_and_analyze(editor, corpus / "orientation" / "landscape_1.jpg")
    assert item.quality is not None and item.enhancement is None
    feed.suggestions_refresh(editor.pk)
    assert not Suggestion.objects.filter(owner=editor, kind="edit").exists()


def test_without_themes_nothing_is_planned(user, dark):
    grant(user, "library")
    item = upload_and_analyze(user, dark, "dark.jpg")
    assert item.enhancement is None and item.subject == []


def test_the_edit_suggestion_is_brighter_than_the_original_and_carries_no_exif(edit):
    item, suggestion = edit
    assert suggestion.asset_mime == "image/jpeg"
    after = stored(suggestion.asset.name)
    assert not has_exif(after)
    assert luminance(after) > luminance(stored(item.original.name)) + 0.1
    assert Image.open(io.BytesIO(after)).size == (640, 480)
    assert "Uses your picture quality" in suggestion.reason and "brighter" in suggestion.reason


@pytest.mark.parametrize("frame, ratio", [("1:1", 1.0), ("4:5", 0.8), ("9:16", 9 / 16), ("original", 4 / 3)])
def test_saving_an_edit_keeps_a_rendition_beside_the_unchanged_original(edit, frame, ratio):
    item, suggestion = edit
    before = hashlib.sha256(stored(item.original.name)).hexdigest()
    rendition = saved(suggestion, frame)
    assert rendition.state == "ready", rendition.failure_reason
    data = stored(rendition.file.name)
    picture = Image.open(io.BytesIO(data))
    assert picture.size == (rendition.width, rendition.height)
    assert abs(picture.width / picture.height - ratio) < 0.01
    assert picture.width <= item.width and picture.height <= item.height
    assert not has_exif(data)
    assert hashlib.sha256(stored(item.original.name)).hexdigest() == before == item.sha256
    assert Suggestion.objects.get(pk=suggestion.pk).state == "saved"
    assert rendition.scope_keys == ["library", "themes"]


def test_saving_the_same_frame_twice_keeps_one_rendition(edit):
    _, suggestion = edit
    first = edits.edit_save(suggestion, "1:1")
    assert edits.edit_save(suggestion, "1:1").pk == first.pk
    assert Rendition.objects.count() == 1


def test_an_unknown_frame_is_refused(edit):
    with pytest.raises(edits.EditRefused):
        edits.edit_save(edit[1], "3:1")


def test_a_frame_centred_on_faces_keeps_the_face_whole_and_goes_with_faces_consent(edit):
    item, suggestion = edit
    grant(item.owner, "faces")
    FaceFactory(media=item, x=480, y=200, w=80, h=80)
    framed = saved(suggestion, "9:16")
    plain = saved(suggestion, "original")
    assert framed.scope_keys == ["faces", "library", "themes"] and plain.scope_keys == ["library", "themes"]
    box = next(f.box for f in edit_selectors.edit_frames(item, [(480, 200, 80, 80)]) if f.key == "9:16")
    assert box[0] <= 480 and 560 <= box[2] and box[1] <= 200 and 280 <= box[3]
    assert (framed.width, framed.height) == (box[2] - box[0], box[3] - box[1])
    name = framed.file.name
    revocation = scopes_revoke(item.owner, ["faces"], method=Method.WEB)
    assert revocation.erased["edits"] == 1
    assert not default_storage.exists(name)
    assert list(Rendition.objects.values_list("frame", flat=True)) == ["original"]
    assert erasure_leftovers(item.owner.pk, scopes=["faces"]) == []


def test_a_shape_that_would_cut_a_face_is_not_offered(edit):
    item, suggestion = edit
    grant(item.owner, "faces")
    faces = [(x, 180, 120, 120) for x in (20, 180, 340, 500)]
    for x, y, w, h in faces:
        FaceFactory(media=item, x=x, y=y, w=w, h=h)
    keys = [frame.key for frame in edit_selectors.edit_frames(item, faces)]
    assert "original" in keys and "9:16" not in keys
    with pytest.raises(edits.EditRefused):
        edits.edit_save(suggestion, "9:16")


def test_revoking_themes_erases_edits_their_files_and_plans(edit):
    item, suggestion = edit
    rendition = saved(suggestion, "4:5")
    names = [rendition.file.name, suggestion.asset.name]
    revocation = scopes_revoke(item.owner, ["themes"], method=Method.WEB)
    assert revocation.erased["edits"] == 1 and revocation.erased["suggestions"] == 1
    assert not any(default_storage.exists(name) for name in names)
    item.refresh_from_db()
    assert item.enhancement is None and item.subject == []
    assert erasure_leftovers(item.owner.pk, scopes=["themes"]) == []


def test_a_rendition_made_after_themes_is_revoked_writes_nothing(edit, stored_files):
    item, suggestion = edit
    with_task_later = Rendition.objects.create(
        owner=item.owner, media=item, suggestion=suggestion, frame="1:1",
        scopes_used=Rendition.scopes_value(["library", "themes"]),
    )
    scopes_revoke(item.owner, ["themes"], method=Method.WEB)
    before = stored_files()
    assert edits.rendition_render(with_task_later.pk) is None
    assert stored_files() == before and not Rendition.objects.exists()


def test_deleting_the_photo_deletes_its_edits(edit, client, django_capture_on_commit_callbacks):
    item, suggestion = edit
    rendition = saved(suggestion, "1:1")
    client.force_login(item.owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("library:delete", args=[item.pk]))
    assert not MediaItem.objects.exists() and not Rendition.objects.exists()
    assert not default_storage.exists(rendition.file.name)


def test_the_card_shows_before_and_after_and_the_shapes(edit, client):
    item, suggestion = edit
    client.force_login(item.owner)
    page = client.get(reverse("feed:index")).content.decode()
    assert "Before" in page and "After" in page
    assert reverse("library:thumbnail", args=[item.pk, "large"]) in page
    assert page.count('name="frame"') == 4 and "Story 9:16" in page
    response = client.post(reverse("feed:save", args=[suggestion.pk]), {"frame": "4:5", "next": "/suggestions/"})
    assert response.status_code == 302
    rendition = Rendition.objects.get()
    edits.rendition_render(rendition.pk)
    rendition.refresh_from_db()
    detail = client.get(reverse("library:detail", args=[item.pk])).content.decode()
    assert "Saved edits" in detail and reverse("library:rendition", args=[rendition.pk]) in detail
    download = client.get(reverse("library:rendition", args=[rendition.pk]) + "?download=1")
    assert download.status_code == 200 and "dark-edited-4x5.jpg" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == stored(rendition.file.name)


def test_another_persons_edits_are_404(edit, client):
    _, suggestion = edit
    rendition = saved(suggestion, "1:1")
    client.force_login(UserFactory())
    assert client.get(reverse("library:rendition", args=[rendition.pk])).status_code == 404
    assert client.post(reverse("library:rendition_delete", args=[rendition.pk])).status_code == 404
    assert client.post(reverse("feed:save", args=[suggestion.pk]), {"frame": "1:1"}).status_code == 404
    assert Rendition.objects.filter(pk=rendition.pk).exists()


def test_deleting_a_saved_edit_keeps_the_original(edit, client):
    item, suggestion = edit
    rendition = saved(suggestion, "1:1")
    client.force_login(item.owner)
    client.post(reverse("library:rendition_delete", args=[rendition.pk]))
    assert not Rendition.objects.exists() and not default_storage.exists(rendition.file.name)
    assert default_storage.exists(item.original.name)


# -- the generator, on crafted libraries ------------------------------------------------------


def _plan():
    return {"black": 0.05, "white": 0.9, "gamma": 0.7, "gains": [1.0, 1.0, 1.0], "saturation": 1.0, "change": 0.1}


def test_edits_come_from_the_latest_events_best_editable_photo(user):
    old = photos(user, datetime(2024, 3, 1, 10), 4, quality=0.9, enhancement=_plan())
    recent = photos(user, datetime(2024, 6, 1, 10), 4, quality=0.5, enhancement=_plan())
    recent[2].quality = 0.8
    recent[2].save()
    fine = photos(user, datetime(2024, 6, 10, 10), 3, quality=0.9)
    library = load(user, date(2024, 6, 20), scopes=("library", "time", "themes"))
    drafts = edit_drafts.drafts(library)
    assert [d.items for d in drafts] == [(recent[2].id,), (old[0].id,)]
    assert all(d.kind == "edit" and d.scopes == {"library", "time", "themes"} for d in drafts)
    assert fine[0].id not in {d.items[0] for d in drafts}
    assert drafts[0].title.startswith("Brighter") and "1 Jun 2024" in drafts[0].title


def test_without_themes_there_are_no_edits_and_without_time_they_come_from_latest_uploads(user):
    items = photos(user, datetime(2024, 6, 1, 10), 3, quality=0.6, enhancement=_plan())
    assert edit_drafts.drafts(load(user, date(2024, 6, 20), scopes=("library", "time"))) == []
    drafts = edit_drafts.drafts(load(user, date(2024, 6, 20), scopes=("library", "themes")))
    assert len(drafts) == 1 and drafts[0].items[0] in {item.id for item in items}
    assert drafts[0].scopes == {"library", "themes"} and "latest" in drafts[0].title


def test_the_edit_generator_stays_within_recent_history(user):
    start = datetime(2024, 1, 1, 10)
    for n in range(6):
        photos(user, start + timedelta(days=10 * n), 2, quality=0.7, enhancement=_plan())
    drafts = edit_drafts.drafts(load(user, date(2024, 6, 20), scopes=("library", "time", "themes")))
    assert len(drafts) == edit_drafts.EDIT_EVENTS


# -- the API ---------------------------------------------------------------------------------------


def test_the_api_saves_an_edit_in_a_frame_and_serves_it(edit, api_client_for_owner):
    item, suggestion = edit
    api = api_client_for_owner
    answer = api.post(f"/api/v1/suggestions/{suggestion.pk}/save-edit/", {"frame": "1:1"}, format="json")
    assert answer.status_code == 201 and answer.json()["frame"] == "1:1" and answer.json()["state"] == "pending"
    rendition = Rendition.objects.get(pk=answer.json()["id"])
    edits.rendition_render(rendition.pk)
    listed = api.get("/api/v1/renditions/").json()["results"]
    assert [r["id"] for r in listed] == [rendition.pk] and listed[0]["file_url"].endswith(f"/renditions/{rendition.pk}/file/")
    picture = api.get(f"/api/v1/renditions/{rendition.pk}/file/")
    data = b"".join(picture.streaming_content)
    assert picture.status_code == 200 and not has_exif(data) and Image.open(io.BytesIO(data)).size[0] == 480
    assert api.post(f"/api/v1/suggestions/{suggestion.pk}/save-edit/", {"frame": "2:1"}, format="json").status_code == 400
    assert api.delete(f"/api/v1/renditions/{rendition.pk}/").status_code == 204
    assert not Rendition.objects.exists() and default_storage.exists(item.original.name)


def test_the_edits_api_is_404_for_another_person_and_401_anonymous(edit, api_client_for_owner):
    _, suggestion = edit
    rendition = saved(suggestion, "1:1")
    stranger = api_client_for(UserFactory())
    for path in (f"/api/v1/renditions/{rendition.pk}/", f"/api/v1/renditions/{rendition.pk}/file/"):
        assert stranger.get(path).status_code == 404
        assert api_client_for(None).get(path).status_code == 401
    assert stranger.delete(f"/api/v1/renditions/{rendition.pk}/").status_code == 404
    assert stranger.post(f"/api/v1/suggestions/{suggestion.pk}/save-edit/", {}, format="json").status_code == 404
    assert Rendition.objects.filter(pk=rendition.pk).exists()


@pytest.fixture
def api_client_for_owner(edit):
    return api_client_for(edit[0].owner)


def test_an_edit_card_says_what_it_offers(user):
    plans = {
        "Brighter and crisper": _plan(),
        "Warmer light": {**_plan(), "black": 0.0, "white": 1.0, "gamma": 1.0, "gains": [1.1, 1.0, 0.95]},
        "Without the yellow cast": {**_plan(), "black": 0.0, "white": 1.0, "gamma": 1.0, "gains": [0.92, 1.0, 1.08]},
    }
    for day, plan in enumerate(plans.values()):
        photos(user, datetime(2024, 6, 1 + 3 * day, 10), 3, quality=0.9, enhancement=plan)
    drafts = edit_drafts.drafts(load(user, date(2024, 6, 20), scopes=("library", "time", "themes")))
    assert sorted(d.title.split(":")[0] for d in drafts) == sorted(plans)


def test_a_wide_photo_whose_faces_fit_a_story_offers_that_crop(user):
    person = PersonFactory(owner=user, name="Ada")
    [wide] = photos(user, datetime(2024, 6, 1, 10), 1, quality=0.9, enhancement=_plan(), width=4000, height=3000)
    FaceFactory(media=wide, person=person, x=1800, y=900, w=400, h=400)
    [draft] = edit_drafts.drafts(load(user, date(2024, 6, 20)))
    assert draft.title == "Brighter and crisper, with a crop for a story: Saturday, 1 Jun 2024"
    assert "with a story (9:16) crop that keeps every face" in draft.reason and "faces" in draft.scopes
    assert edit_drafts.drafts(load(user, date(2024, 6, 20), scopes=("library", "time", "themes")))[0].title == (
        "Brighter and crisper: Saturday, 1 Jun 2024"
    )
    FaceFactory(media=wide, person=person, x=200, y=900, w=400, h=400)  # and another far left: no story crop keeps both
    assert ", with a crop" not in edit_drafts.drafts(load(user, date(2024, 6, 20)))[0].title
