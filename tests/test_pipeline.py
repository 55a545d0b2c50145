"""The worker's first stages on the corpus: consent checked at run time, results against truth."""

import io
from datetime import datetime, timedelta, timezone

import pytest
from django.utils import timezone as dj_timezone
from PIL import Image

from consent import scopes
from consent.services import scopes_revoke
from rollweb import queue
from suggestions.library import pipeline, registry, services, stages as library_stages
from suggestions.library.source import decode_side, source_for
from suggestions.models import MediaItem, ProcessingRecord

from .conftest import grant, jpeg_bytes, upload_and_analyze, upload_file

PHOTOS_WITH_TIME = ["exif/Canon_40D.jpg", "exif/DSCN0010.jpg", "faces/obama2.jpg", "heic/IMG_5195.HEIC"]


def stage_outcomes(item):
    return {record.stage: record.outcome for record in ProcessingRecord.objects.filter(media=item)}


def test_library_alone_reads_no_time_gps_or_camera(user, corpus):
    grant(user, "library")
    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    assert item.status == "analyzed"
    assert (item.width, item.height) == (640, 480)
    assert item.captured_at is None and item.camera == ""
    assert item.latitude is None and item.longitude is None
    assert stage_outcomes(item) == {
        "store": "done", "display": "done", "capture_time": "skipped", "gps": "skipped", "places": "skipped",
        "pass_ingest": "done", "themes": "skipped", "faces": "skipped", "pass_analysis": "done",
    }
    skipped = ProcessingRecord.objects.get(media=item, stage="gps")
    assert skipped.detail == "Skipped: no consent to “Use where photos were taken”."
    assert skipped.scopes == ["library", "location"]


@pytest.mark.parametrize("path", PHOTOS_WITH_TIME)
def test_capture_time_matches_the_manifest(user, corpus, manifest, path):
    grant(user, "library", "time")
    item = upload_and_analyze(user, corpus / path)
    truth = manifest[path]
    expected_local = datetime.strptime(truth["captured_local"][:19], "%Y:%m:%d %H:%M:%S")
    assert item.captured_local.replace(tzinfo=None) == expected_local
    if "utc_offset" in truth:
        assert item.captured_local.strftime("%z") == truth["utc_offset"].replace(":", "")
        assert item.captured_offset is not None
    else:
        assert item.captured_offset is None
    assert truth.get("model", "") in item.camera
    assert item.latitude is None  # location was not granted


def test_heic_offset_gives_the_true_instant(user, corpus):
    grant(user, "library", "time")
    item = upload_and_analyze(user, corpus / "heic" / "IMG_5195.HEIC")
    assert item.captured_at == datetime(2021, 4, 11, 20, 47, 53, tzinfo=timezone.utc)


@pytest.mark.parametrize("path", ["exif/DSCN0010.jpg", "exif/iphone_hdr_YES.jpg", "heic/IMG_5195.HEIC"])
def test_gps_matches_the_manifest(user, corpus, manifest, path):
    grant(user, "library", "location")
    item = upload_and_analyze(user, corpus / path)
    assert item.latitude == pytest.approx(manifest[path]["lat"], abs=1e-6)
    assert item.longitude == pytest.approx(manifest[path]["lon"], abs=1e-6)
    assert item.captured_at is None  # time was not granted


@pytest.mark.parametrize(
    "path",
    [
        "orientation/landscape_1.jpg",
        "orientation/landscape_3.jpg",
        "orientation/landscape_6.jpg",
        "orientation/landscape_8.jpg",
        "orientation/portrait_6.jpg",
        "heic/iphone_13_pro_max.HEIC",
    ],
)
def test_displayed_size_applies_orientation(user, corpus, manifest, path):
    grant(user, "library")
    item = upload_and_analyze(user, corpus / path)
    truth = manifest[path]
    width, height = truth["stored_width"], truth["stored_height"]
    if truth.get("exif_orientation", 1) in (5, 6, 7, 8):
        width, height = height, width
    assert (item.width, item.height) == (width, height)
    with item.thumb_large.open("rb") as thumb:
        preview = Image.open(thumb)
        assert (preview.width > preview.height) == (width > height)


def test_orientation_is_applied_to_the_pixels(user, corpus):
    """landscape_3 is stored upside down: its preview must look like landscape_1."""
    grant(user, "library")
    upright = upload_and_analyze(user, corpus / "orientation" / "landscape_1.jpg")
    turned = upload_and_analyze(user, corpus / "orientation" / "landscape_3.jpg")
    with upright.thumb_small.open("rb") as a, turned.thumb_small.open("rb") as b:
        pixels_a = Image.open(a).convert("L").resize((16, 12)).tobytes()
        pixels_b = Image.open(b).convert("L").resize((16, 12)).tobytes()
    difference = sum(abs(x - y) for x, y in zip(pixels_a, pixels_b)) / len(pixels_a)
    assert difference < 20


def test_previews_carry_no_metadata(user, corpus):
    grant(user, "library", "time", "location")
    item = upload_and_analyze(user, corpus / "exif" / "iphone_hdr_YES.jpg")
    for field, side in ((item.thumb_small, 400), (item.thumb_large, 1280)):
        with field.open("rb") as stored:
            data = stored.read()
        preview = Image.open(io.BytesIO(data))
        assert max(preview.size) == side
        assert not preview.getexif() and b"Exif" not in data and "exif" not in preview.info


@pytest.mark.parametrize("path", ["invalid/corrupted.jpg", "invalid/image00971.jpg", "invalid/image01088.jpg", "invalid/image01137.jpg"])
def test_malformed_exif_is_ignored(user, corpus, path):
    grant(user, "library", "time", "location")
    item = upload_and_analyze(user, corpus / path)
    assert item.status == "analyzed", item.failure_reason
    assert item.thumb_small


def test_heic_is_decoded(user, corpus):
    grant(user, "library")
    item = upload_and_analyze(user, corpus / "heic" / "iphone_13_pro_max.HEIC")
    assert item.status == "analyzed" and (item.width, item.height) == (3024, 4032)


def test_truncated_jpeg_fails_with_a_reason(user, stored_files):
    grant(user, "library", "time")
    data = jpeg_bytes(size=(800, 600))
    item, _ = upload_file(user, data[: len(data) // 2])
    pipeline.media_analyze(item.pk)
    item.refresh_from_db()
    assert item.status == "failed"
    assert "damaged or incomplete" in item.failure_reason
    assert stage_outcomes(item)["display"] == "failed"
    assert item.lease_expires_at is None
    assert len(stored_files()) == 1  # the original is kept: it is the person's own file


def test_a_bomb_that_slips_past_upload_fails_in_the_worker(user, settings):
    grant(user, "library")
    item, _ = upload_file(user, jpeg_bytes(size=(400, 300)))
    settings.MAX_IMAGE_PIXELS = 100_000
    pipeline.media_analyze(item.pk)
    item.refresh_from_db()
    assert item.status == "failed" and "megapixels" in item.failure_reason


def test_granting_later_applies_to_new_runs(user, corpus):
    grant(user, "library")
    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    assert item.captured_at is None
    grant(user, "time")
    other = upload_and_analyze(user, corpus / "exif" / "DSCN0012.jpg")
    assert other.captured_at is not None


def test_revoke_during_processing_writes_nothing(user, corpus, monkeypatch):
    """The scope is withdrawn after the stage computed its result but before it writes."""
    grant(user, "library", "location")
    item, _ = upload_file(user, corpus / "exif" / "DSCN0010.jpg")
    compute = library_stages.compute_gps

    def compute_then_revoke(source):
        result = compute(source)
        assert result is not None
        scopes_revoke(user, ["location"], method="web")
        return result

    stages = [s if s.name != "gps" else registry.Stage(**{**s.__dict__, "compute": compute_then_revoke}) for s in registry.STAGES]
    monkeypatch.setattr(registry, "STAGES", stages)
    pipeline.media_analyze(item.pk)
    item.refresh_from_db()
    assert item.status == "analyzed"
    assert item.latitude is None and item.longitude is None
    record = ProcessingRecord.objects.get(media=item, stage="gps")
    assert record.outcome == "skipped" and "withdrawn while this ran" in record.detail


def test_library_revoked_during_processing_leaves_nothing(user, corpus, monkeypatch, stored_files):
    grant(user, "library", "time")
    item, _ = upload_file(user, corpus / "exif" / "DSCN0010.jpg")
    compute = library_stages.compute_display

    def compute_then_revoke(source):
        result = compute(source)
        scopes_revoke(user, ["library"], method="web")
        return result

    stages = [s if s.name != "display" else registry.Stage(**{**s.__dict__, "compute": compute_then_revoke}) for s in registry.STAGES]
    monkeypatch.setattr(registry, "STAGES", stages)
    assert pipeline.media_analyze(item.pk) is None
    assert not MediaItem.objects.exists()
    assert stored_files() == []


def test_analysis_is_claimed_once(user):
    grant(user, "library")
    item, _ = upload_file(user, jpeg_bytes())
    assert pipeline.media_claim(item.pk) is not None
    assert pipeline.media_claim(item.pk) is None  # a second delivery finds it taken
    later = dj_timezone.now() + timedelta(hours=1)
    assert pipeline.media_claim(item.pk, now=later) is not None  # the lease expired: redelivery


def test_analyzing_twice_is_harmless(user, stored_files):
    grant(user, "library")
    item, _ = upload_file(user, jpeg_bytes())
    pipeline.media_analyze(item.pk)
    files = stored_files()
    assert pipeline.media_analyze(item.pk) is None
    assert stored_files() == files


def test_sweeper_requeues_lost_and_stuck_items(user, django_capture_on_commit_callbacks):
    grant(user, "library")
    lost, _ = upload_file(user, jpeg_bytes(color=(1, 2, 3)))
    stuck, _ = upload_file(user, jpeg_bytes(color=(3, 2, 1)))
    MediaItem.objects.filter(pk=stuck.pk).update(status="processing", lease_expires_at=dj_timezone.now() - timedelta(seconds=1))
    MediaItem.objects.filter(pk=lost.pk).update(updated_at=dj_timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        requeued = services.media_requeue_stuck()
    assert set(requeued) == {lost.pk, stuck.pk}
    # Eager in tests: the re-queued tasks ran.
    assert set(MediaItem.objects.values_list("status", flat=True)) == {"analyzed"}


def test_an_item_that_keeps_crashing_ends_failed(user, monkeypatch):
    grant(user, "library")
    item, _ = upload_file(user, jpeg_bytes())

    def crash(source):
        raise RuntimeError("worker bug")

    stages = [registry.Stage(**{**registry.STAGES[0].__dict__, "compute": crash})]
    monkeypatch.setattr(registry, "STAGES", stages)
    for _ in range(pipeline.MAX_ATTEMPTS):
        with pytest.raises(RuntimeError):
            pipeline.media_analyze(item.pk)
        item.refresh_from_db()
        assert item.status == "uploaded"
    assert pipeline.media_analyze(item.pk) is None
    item.refresh_from_db()
    assert item.status == "failed" and "attempts" in item.failure_reason


def test_sweeper_leaves_waiting_items_alone_while_the_queue_has_work(user, monkeypatch):
    grant(user, "library")
    waiting, _ = upload_file(user, jpeg_bytes(color=(1, 2, 3)))
    stuck, _ = upload_file(user, jpeg_bytes(color=(3, 2, 1)))
    MediaItem.objects.filter(pk=waiting.pk).update(updated_at=dj_timezone.now() - timedelta(minutes=5))
    MediaItem.objects.filter(pk=stuck.pk).update(status="processing", lease_expires_at=dj_timezone.now() - timedelta(seconds=1))
    monkeypatch.setattr(queue, "backlog", lambda kind=None: 250)
    assert services.media_requeue_stuck() == [stuck.pk]
    assert MediaItem.objects.get(pk=waiting.pk).status == "uploaded"


def test_an_item_waits_unspent_while_library_is_paused_and_resumes_after_consent(
    user, monkeypatch, django_capture_on_commit_callbacks
):
    grant(user, "library")
    item, _ = upload_file(user, jpeg_bytes())
    library = scopes.SCOPES["library"]
    with monkeypatch.context() as patch:
        patch.setitem(scopes.SCOPES, "library", scopes.Scope(**{**library.__dict__, "erases": "all of it."}))
        for _ in range(pipeline.MAX_ATTEMPTS + 1):
            assert pipeline.media_analyze(item.pk) is None
        item.refresh_from_db()
        assert (item.status, item.attempts) == ("uploaded", 0)
        MediaItem.objects.filter(pk=item.pk).update(updated_at=dj_timezone.now() - timedelta(minutes=5))
        assert services.media_requeue_stuck() == []  # nothing is queued for a paused library
    MediaItem.objects.filter(pk=item.pk).update(updated_at=dj_timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.media_requeue_stuck() == [item.pk]
    assert MediaItem.objects.get(pk=item.pk).status == "analyzed"


def test_without_faces_the_photo_is_decoded_at_preview_size_and_a_later_stage_can_ask_for_more(user):
    from suggestions.analysis import images

    grant(user, "library", "themes")
    big = io.BytesIO()
    Image.new("RGB", (4000, 3000), (120, 130, 140)).save(big, "JPEG", quality=80)
    item, _ = upload_file(user, big.getvalue())
    source = source_for(item, {"library", "themes"})
    assert images.THUMB_LARGE <= max(source.decoded().size) < 2 * images.THUMB_LARGE
    assert max(source.decoded(decode_side()).size) >= decode_side()
    source.close()
    analysed = pipeline.media_analyze(item.pk)
    assert analysed.status == "analyzed" and (analysed.width, analysed.height) == (4000, 3000)
