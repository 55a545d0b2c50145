"""Videos: previews from a frame, duration and size, QuickTime time and GPS under their scopes,
faces on sampled frames under faces."""

import io
from datetime import datetime, timezone

import av
import numpy as np
import pytest
from PIL import Image

from consent.services import scopes_revoke
from suggestions.analysis import video
from suggestions.library import pipeline, services
from suggestions.models import Face, MediaItem, ProcessingRecord

from .conftest import grant, upload_and_analyze, upload_file

CLIP = "video/short_hamilton_clip.mp4"


def make_clip(fmt="mov", rotation=0, tags=None, frames=20, size=(320, 240)):
    """A small H.264 clip: top half red, bottom half blue, with the given container tags."""
    out_bytes = io.BytesIO()
    out = av.open(out_bytes, "w", format=fmt, options={"movflags": "use_metadata_tags"})
    out.metadata.update(tags or {})
    stream = out.add_stream("libx264", rate=10)
    stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
    if rotation:
        stream.set_display_rotation(rotation)
    picture = np.zeros((size[1], size[0], 3), np.uint8)
    picture[: size[1] // 2] = (255, 0, 0)
    picture[size[1] // 2 :] = (0, 0, 255)
    for _ in range(frames):
        for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    return out_bytes.getvalue()


def test_the_corpus_clip(user, corpus, manifest, stored_files):
    grant(user, "library", "time", "location", "faces", "themes")
    item = upload_and_analyze(user, corpus / CLIP)
    truth = manifest[CLIP]
    assert item.kind == "video" and item.status == "analyzed", item.failure_reason
    assert (item.width, item.height) == (truth["stored_width"], truth["stored_height"])
    assert item.duration_s == pytest.approx(truth["duration_s"], abs=0.05)
    with item.thumb_large.open("rb") as poster:
        image = Image.open(poster)
        assert image.format == "JPEG" and image.size == (640, 360)
    assert item.latitude is None and item.place == ""
    faces = list(Face.objects.filter(media=item))
    assert len(faces) >= 1
    for face in faces:
        assert face.x + face.w <= item.width and face.y + face.h <= item.height
    crops = [name for name in stored_files() if "/faces/" in name]
    assert len(crops) == len(faces)
    outcomes = {r.stage: r.outcome for r in ProcessingRecord.objects.filter(media=item)}
    assert outcomes == {
        "store": "done", "display": "done", "capture_time": "done", "gps": "done", "places": "done", "faces": "done",
        "pass_ingest": "done", "pass_analysis": "done",
    }
    assert "sampled across the video" in ProcessingRecord.objects.get(media=item, stage="faces").detail


def test_quicktime_time_gps_and_rotation(user, corpus):
    grant(user, "library", "time", "location")
    clip = make_clip(
        rotation=90,
        tags={
            "location": "+40.4470-003.7248/",
            "com.apple.quicktime.creationdate": "2015-04-10T20:12:23+0200",
            "com.apple.quicktime.make": "Apple",
            "com.apple.quicktime.model": "iPhone 6",
        },
    )
    item = upload_and_analyze(user, clip, name="IMG_0001.MOV")
    assert item.mime == "video/quicktime" and item.status == "analyzed", item.failure_reason
    assert (item.width, item.height) == (240, 320)  # stored 320 x 240, displayed turned
    assert item.duration_s == pytest.approx(2.0, abs=0.15)
    assert (item.latitude, item.longitude) == (pytest.approx(40.447), pytest.approx(-3.7248))
    assert item.country_code == "ES" and item.region == "Madrid"
    assert item.captured_at == datetime(2015, 4, 10, 18, 12, 23, tzinfo=timezone.utc)
    assert item.captured_offset == 120 and item.camera == "Apple iPhone 6"
    with item.thumb_small.open("rb") as poster:
        image = Image.open(poster).convert("RGB")
    assert image.width < image.height
    left, right = image.getpixel((5, image.height // 2)), image.getpixel((image.width - 5, image.height // 2))
    assert left[0] > 200 and left[2] < 60  # the stored top (red) shows on the left
    assert right[2] > 200 and right[0] < 60


def test_a_generic_creation_time_is_a_wall_clock_without_offset():
    tags = {"creation_time": "2019-06-01T10:00:00.000000Z"}
    captured = video.capture_time(tags)
    assert captured.local == datetime(2019, 6, 1, 10, 0, 0) and captured.offset_minutes is None
    assert video.capture_time({"creation_time": "1970-01-01T00:00:00.000000Z"}) is None
    assert video.gps({"location": "+00.0000+000.0000/"}) is None
    assert video.gps({"com.apple.quicktime.location.ISO6709": "-33.8688+151.2093+005.000/"}) == (-33.8688, 151.2093)


def test_without_time_and_location_nothing_is_read(user):
    grant(user, "library")
    clip = make_clip(tags={"location": "+40.4470-003.7248/", "com.apple.quicktime.creationdate": "2015-04-10T20:12:23+0200"})
    item = upload_and_analyze(user, clip, name="clip.mov")
    assert item.status == "analyzed" and item.thumb_small
    assert item.captured_at is None and item.latitude is None and item.place == ""
    outcomes = {r.stage: r.outcome for r in ProcessingRecord.objects.filter(media=item)}
    assert outcomes["capture_time"] == outcomes["gps"] == outcomes["faces"] == "skipped"


def test_a_broken_video_fails_with_a_reason(user):
    grant(user, "library")
    clip = make_clip(fmt="mp4")
    item, _ = upload_file(user, clip[: len(clip) // 3], name="broken.mp4")
    pipeline.media_analyze(item.pk)
    item.refresh_from_db()
    assert item.status == "failed" and "video" in item.failure_reason.lower()
    assert item.lease_expires_at is None


def test_deleting_a_video_deletes_its_face_crops(user, corpus, stored_files, django_capture_on_commit_callbacks):
    grant(user, "library", "faces")
    item = upload_and_analyze(user, corpus / CLIP)
    assert [name for name in stored_files() if "/faces/" in name]
    with django_capture_on_commit_callbacks(execute=True):
        services.media_delete(MediaItem.objects.get(pk=item.pk))
    assert stored_files() == []


def test_revoking_library_removes_video_crops(user, corpus, stored_files):
    grant(user, "library", "faces")
    upload_and_analyze(user, corpus / CLIP)
    scopes_revoke(user, ["library"], method="web")
    assert stored_files() == []
    assert not Face.objects.exists()
