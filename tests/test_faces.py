"""Faces and people on the corpus truth: counts, who is who, per owner, revocable."""

import io
from datetime import date

import pytest
from PIL import Image

from bench import scenes
from consent.models import ConsentEvent
from consent.services import scopes_revoke
from suggestions.analysis import faces as face_analysis, images
from suggestions.library import pipeline, registry, services
from suggestions.library.source import decode_side
from suggestions.models import Face, MediaItem, Person, ProcessingRecord
from suggestions.people import services as people_services, stages as people_stages
from suggestions.people.services import people_recluster

from .conftest import grant, upload_and_analyze, upload_file

FACE_PHOTOS = [
    "faces/alex_lacamoire1.jpg", "faces/alex_lacamoire_img1.jpg", "faces/biden.jpg", "faces/biden_biden2.jpg",
    "faces/kit_with_rose.jpg", "faces/obama.jpg", "faces/obama2.jpg", "faces/obama_and_biden.jpg",
    "faces/obama_partial_face.jpg", "faces/rose_leslie_img1.jpg", "faces/rose_leslie_img2.jpg", "faces/two_people.jpg",
]
OBAMA = ["faces/obama.jpg", "faces/obama2.jpg", "faces/obama_and_biden.jpg", "faces/obama_partial_face.jpg"]


def people_in(item):
    return [face.person_id for face in Face.objects.filter(media=item)]


@pytest.mark.parametrize("path", FACE_PHOTOS)
def test_face_count_and_boxes_match_the_manifest(user, corpus, manifest, path):
    grant(user, "library", "faces")
    item = upload_and_analyze(user, corpus / path)
    found = list(Face.objects.filter(media=item))
    assert len(found) == manifest[path]["faces"]
    for face in found:
        assert face.x + face.w <= item.width and face.y + face.h <= item.height
        assert face.w >= 40 and face.h >= 40
        assert len(face.encoding) == 128 * 4
    record = ProcessingRecord.objects.get(media=item, stage="faces")
    assert record.outcome == "done" and record.scopes == ["faces", "library"]
    assert record.started_at <= record.finished_at


def anchors(items, manifest):
    """Name -> person, from the photos that show exactly one named person."""
    named = {}
    for path, item in items.items():
        truth = manifest[path]
        if truth["faces"] == 1 and truth["people"]:
            [person] = people_in(item)
            named.setdefault(truth["people"][0], set()).add(person)
    return named


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_who_is_who(user, corpus, manifest, order):
    grant(user, "library", "faces")
    paths = FACE_PHOTOS if order == "forward" else FACE_PHOTOS[::-1]
    items = {path: upload_and_analyze(user, corpus / path) for path in paths}
    named = anchors(items, manifest)
    # Everyone seen in two photos or more is one person, and two people never share one.
    for name, persons in named.items():
        assert len(persons) == 1 and None not in persons, name
    persons = {name: next(iter(ids)) for name, ids in named.items()}
    assert len(set(persons.values())) == len(persons)
    # The four photos of the same man.
    obama = persons["obama"]
    assert all(obama in people_in(items[path]) for path in OBAMA)
    assert Face.objects.filter(person_id=obama).count() >= 4
    # Group photos: each named person where they are, the stranger in nobody's group.
    group = people_in(items["faces/obama_and_biden.jpg"])
    assert sorted(group, key=str) == sorted([persons["obama"], persons["biden"], None], key=str)
    kit_and_rose = people_in(items["faces/kit_with_rose.jpg"])
    assert persons["rose_leslie"] in kit_and_rose and kit_and_rose.count(persons["rose_leslie"]) == 1
    assert set(kit_and_rose) - {persons["rose_leslie"]} <= {None}
    # Every person has a cover face of their own.
    for person in Person.objects.filter(owner=user):
        assert person.cover_face.person_id == person.pk


def test_people_never_cross_owners(user, other_user, corpus):
    for owner in (user, other_user):
        grant(owner, "library", "faces")
    mine = upload_and_analyze(user, corpus / "faces/obama.jpg")
    theirs = upload_and_analyze(other_user, corpus / "faces/obama2.jpg")
    # The same man, once in each account: nobody has seen him twice, so no person exists.
    assert not Person.objects.exists()
    assert people_in(mine) == [None] and people_in(theirs) == [None]
    upload_and_analyze(other_user, corpus / "faces/obama_partial_face.jpg")
    [person] = Person.objects.all()
    assert person.owner == other_user
    assert set(Face.objects.filter(person=person).values_list("media__owner", flat=True)) == {other_user.pk}
    people_recluster(user.pk)
    people_recluster(other_user.pk)
    assert people_in(mine) == [None]
    assert Person.objects.count() == 1


def test_recluster_never_crosses_owners(user, other_user, corpus):
    for owner in (user, other_user):
        grant(owner, "library", "faces")
        for path in ("faces/obama.jpg", "faces/obama2.jpg"):
            upload_and_analyze(owner, corpus / path)
    Face.objects.update(person=None)
    Person.objects.all().delete()
    for owner in (user, other_user):
        people_recluster(owner.pk)
    assert Person.objects.count() == 2
    for person in Person.objects.all():
        assert set(person.faces.values_list("media__owner", flat=True)) == {person.owner_id}


def test_faces_are_found_in_displayed_pixels_whatever_the_orientation(user, corpus):
    """The same photo stored sideways with EXIF orientation 6 gives the same box."""
    grant(user, "library", "faces")
    upright = upload_and_analyze(user, corpus / "faces/obama.jpg")
    source = Image.open(corpus / "faces/obama.jpg")
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = io.BytesIO()
    source.transpose(Image.Transpose.ROTATE_90).save(stored, "JPEG", quality=95, exif=exif.tobytes())
    sideways = upload_and_analyze(user, stored.getvalue(), name="sideways.jpg")
    assert (sideways.width, sideways.height) == (upright.width, upright.height)
    [a], [b] = Face.objects.filter(media=upright), Face.objects.filter(media=sideways)
    assert all(abs(p - q) <= 6 for p, q in zip(a.box, b.box)), (a.box, b.box)
    assert a.person_id == b.person_id is not None


def test_boxes_of_a_large_photo_are_in_its_displayed_pixels(user, corpus):
    """A photo larger than the reduced decode: boxes scale back to the original's pixels."""
    grant(user, "library", "faces")
    small = upload_and_analyze(user, corpus / "faces/obama.jpg")
    source = Image.open(corpus / "faces/obama.jpg")
    big = source.resize((source.width * 3, source.height * 3), Image.Resampling.BICUBIC)
    large = upload_and_analyze(user, scenes.jpeg(big), name="large.jpg")
    assert (large.width, large.height) == (small.width * 3, small.height * 3)
    [a], [b] = Face.objects.filter(media=small), Face.objects.filter(media=large)
    # The detector's boxes come in steps of 1.2x in size, so compare centres and sizes loosely.
    side = 3 * a.w
    assert abs(3 * (a.x + a.w / 2) - (b.x + b.w / 2)) < 0.1 * side, (a.box, b.box)
    assert abs(3 * (a.y + a.h / 2) - (b.y + b.h / 2)) < 0.1 * side, (a.box, b.box)
    assert 0.8 * side < b.w < 1.25 * side, (a.box, b.box)


def test_a_larger_minimum_face_scans_less(user, corpus, settings):
    """FACE_MIN_FRACTION trades the smallest faces found for speed: portraits are still found."""
    settings.FACE_MIN_FRACTION = 0.04
    assert decode_side() == 1625 and face_analysis.scan_side(4000, 0.04) == 1625
    grant(user, "library", "faces")
    item = upload_and_analyze(user, corpus / "faces/obama_and_biden.jpg")
    assert Face.objects.filter(media=item).count() == 3


def test_a_twelve_megapixel_group_scene_keeps_faces_two_percent_wide(corpus):
    """A party photo of 4000 × 3000 px with every corpus face at 2% of its width: the pipeline's
    reduced scan (3250 px, where the library's default scans 8000) finds every one of them."""
    crops = scenes.face_crops(corpus)
    scene, placed = scenes.group_scene(crops, fraction=0.02)
    image = images.open_image(io.BytesIO(scenes.jpeg(scene)), 120_000_000)
    decoded = images.decode(image, decode_side(), exact=False)
    assert face_analysis.scan_side(4000) == 3250
    found = face_analysis.find(decoded, native_long_side=4000)
    assert placed == len(crops) >= 15
    assert len(found) == placed


def test_revoking_faces_erases_people_names_birthdays_and_crops(user, corpus, stored_files):
    grant(user, "library", "faces", "themes")
    for path in OBAMA:
        upload_and_analyze(user, corpus / path)
    video = upload_and_analyze(user, corpus / "video/short_hamilton_clip.mp4")
    person = Person.objects.get(owner=user, faces__media__original_name="obama.jpg")
    people_services.person_update(person, name="Barack", birthday=date(1961, 8, 4))
    crops = [name for name in stored_files() if "/faces/" in name]
    assert crops and Face.objects.filter(media=video).count() == len(crops)
    faces_before = Face.objects.filter(media__owner=user).count()

    revocation = scopes_revoke(user, ["faces"], method="web")

    assert not Face.objects.filter(media__owner=user).exists()
    assert not Person.objects.filter(owner=user).exists()
    assert not [name for name in stored_files() if "/faces/" in name]
    assert revocation.erased["faces"] == faces_before
    assert revocation.erased["names"] == 1 and revocation.erased["birthdays"] == 1
    event = ConsentEvent.objects.get(record__user=user, kind="erasure", scope="faces")
    assert event.counts["faces"] == faces_before and event.counts["files"] == len(crops)
    # What was found is gone from the ledger too; the fact that the stage ran stays.
    for record in ProcessingRecord.objects.filter(media__owner=user, stage="faces"):
        assert "Found" not in record.detail and "erased" in record.detail
    # Other analyses are untouched.
    assert MediaItem.objects.filter(owner=user, quality__isnull=False).count() == len(OBAMA)


def test_a_faces_stage_that_finds_its_scope_revoked_writes_nothing(user, corpus, monkeypatch, stored_files):
    grant(user, "library", "faces")
    upload_and_analyze(user, corpus / "faces/obama.jpg")
    item, _ = upload_file(user, corpus / "faces/obama2.jpg")
    compute = people_stages.compute_faces

    def compute_then_revoke(source):
        result = compute(source)
        assert len(result) == 1
        scopes_revoke(user, ["faces"], method="web")
        return result

    stages = [
        s if s.name != "faces" else registry.Stage(**{**s.__dict__, "compute": compute_then_revoke}) for s in registry.STAGES
    ]
    monkeypatch.setattr(registry, "STAGES", stages)
    pipeline.media_analyze(item.pk)
    assert not Face.objects.exists() and not Person.objects.exists()
    assert not [name for name in stored_files() if "/faces/" in name]
    record = ProcessingRecord.objects.get(media=item, stage="faces")
    assert record.outcome == "skipped" and "withdrawn while this ran" in record.detail


def test_recluster_repairs_drift_and_keeps_the_owners_corrections(user, corpus):
    grant(user, "library", "faces")
    items = {path: upload_and_analyze(user, corpus / path) for path in OBAMA + ["faces/biden.jpg", "faces/biden_biden2.jpg"]}
    # Drift: the same man split across two unconfirmed people, a face left waiting.
    obama_person = Face.objects.get(media=items["faces/obama.jpg"]).person_id
    obama_faces = list(Face.objects.filter(person_id=obama_person).order_by("pk"))
    assert len(obama_faces) == 4
    biden_person = Face.objects.get(media=items["faces/biden.jpg"]).person_id
    assert obama_person != biden_person
    stray = Person.objects.create(owner=user)
    Face.objects.filter(pk=obama_faces[1].pk).update(person=stray)
    Face.objects.filter(pk=obama_faces[2].pk).update(person=None)

    counts = people_recluster(user.pk)

    assert counts["faces_moved"] == 2
    assert not Person.objects.filter(pk=stray.pk).exists()
    assert set(Face.objects.filter(pk__in=[f.pk for f in obama_faces]).values_list("person", flat=True)) == {obama_person}
    assert Face.objects.get(media=items["faces/biden_biden2.jpg"]).person_id == biden_person

    # A face the owner took out stays out: re-grouping never folds it back.
    detached = Face.objects.get(media=items["faces/obama2.jpg"])
    own = people_services.face_detach(detached)
    people_recluster(user.pk)
    detached.refresh_from_db()
    assert detached.person_id == own.pk and own.confirmed


def test_recluster_task_runs_for_owners_with_face_recognition(
    user, other_user, corpus, settings, django_capture_on_commit_callbacks
):
    assert "recluster-people" in settings.CELERY_BEAT_SCHEDULE
    grant(user, "library", "faces")
    grant(other_user, "library")
    for path in ("faces/obama.jpg", "faces/obama2.jpg"):
        upload_and_analyze(user, corpus / path)
    Face.objects.update(person=None)
    Person.objects.all().delete()
    from suggestions.tasks import recluster_all_people

    with django_capture_on_commit_callbacks(execute=True):
        assert recluster_all_people.delay().get() == 1
    assert Person.objects.filter(owner=user).count() == 1


def test_deleting_photos_leaves_no_empty_person_and_moves_the_cover(user, corpus):
    grant(user, "library", "faces", "location")
    items = [upload_and_analyze(user, corpus / path) for path in OBAMA[:3]]
    person = Person.objects.get(owner=user)
    cover_item = person.cover_face.media
    gone = cover_item.pk
    services.media_delete(cover_item)
    person.refresh_from_db()
    assert person.cover_face is not None and person.cover_face.media_id != gone
    for item in items:
        if item.pk != gone:
            services.media_delete(MediaItem.objects.get(pk=item.pk))
    assert not Person.objects.filter(owner=user).exists()


def test_finding_an_items_faces_again_keeps_people_tidy(user, corpus):
    grant(user, "library", "faces")
    items = [upload_and_analyze(user, corpus / path) for path in OBAMA[:3]]
    person = Person.objects.get(owner=user)
    covered = person.cover_face.media
    assert people_services.faces_store(covered, []) == []
    person.refresh_from_db()
    assert person.cover_face is not None and person.cover_face.media_id != covered.pk
    assert not Face.objects.filter(media=covered).exists()
    others = [item for item in items if item.pk != covered.pk]
    for item in others:
        people_services.faces_store(item, [])
    assert not Person.objects.filter(owner=user).exists()
