"""Recap videos: H.264 MP4 that browsers and phones play, at most 1080p, faces never cut, no metadata
that locates anyone; and which trips and events get one."""

import io
from datetime import date, datetime, timedelta

import av
import numpy as np
import pytest
from PIL import Image

from suggestions.generators import recaps
from suggestions.generators.collage import Tile
from suggestions.generators.recap import FPS, recap_render, recap_seconds

from .crafted import load, photos, picture
from .factories import HomeFactory

SHOTS = [((1200, 900), [(100, 150, 200, 200)]), ((1280, 720), [(1000, 60, 180, 180)]), ((1000, 1000), [])]


def render(shots):
    pictures = [Image.open(io.BytesIO(picture(size, faces))).convert("RGB") for size, faces in shots]
    tiles = [Tile(size[0], size[1], tuple(faces)) for size, faces in shots]
    return recap_render(tiles, lambda index, side: pictures[index])


@pytest.fixture(scope="module")
def landscape_mp4():
    return render(SHOTS)


def test_the_video_is_h264_mp4_that_browsers_and_phones_play(landscape_mp4):
    with av.open(io.BytesIO(landscape_mp4)) as container:
        stream = container.streams.video[0]
        assert container.format.name.startswith("mov,mp4")
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.profile in ("High", "Main", "Constrained Baseline")
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.width, stream.height) == (1280, 720)
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == round(recap_seconds(len(SHOTS)) * FPS)
    # The index comes before the media data, so playback starts before the download ends.
    assert landscape_mp4.index(b"moov") < landscape_mp4.index(b"mdat")


def test_the_video_says_nothing_about_where_or_when(landscape_mp4):
    with av.open(io.BytesIO(landscape_mp4)) as container:
        tags = {**container.metadata, **container.streams.video[0].metadata}
    assert not {"location", "location-eng", "creation_time", "com.apple.quicktime.location.ISO6709"} & set(tags)
    assert b"\xa9xyz" not in landscape_mp4 and b"ISO6709" not in landscape_mp4


def test_faces_are_never_cut_at_the_edge_of_any_frame(landscape_mp4):
    with av.open(io.BytesIO(landscape_mp4)) as container:
        for frame in container.decode(video=0):
            pixels = frame.to_ndarray(format="rgb24").astype(int)
            edges = np.concatenate([pixels[1], pixels[-2], pixels[:, 1], pixels[:, -2]])
            red = (edges[:, 0] > 200) & (edges[:, 1] < 70) & (edges[:, 2] < 70)
            assert not red.any()


def test_mostly_upright_photos_make_an_upright_video():
    data = render([((720, 1280), []), ((900, 1200), [(300, 200, 200, 200)])])
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (720, 1280)
        assert float(container.duration / 1e6) == pytest.approx(recap_seconds(2), abs=0.1)


def test_length_is_up_to_about_thirty_seconds():
    assert recap_seconds(1) == 3.0
    assert recap_seconds(12) <= 30 and recap_seconds(50) == recap_seconds(12)


def days_in(user, where, start, days, per_day):
    for day in range(days):
        photos(user, start + timedelta(days=day), per_day, every=timedelta(hours=1), where=where)


def test_trips_of_any_year_with_enough_photos_get_a_recap(user):
    HomeFactory(owner=user)
    days_in(user, "florence", datetime(2023, 10, 22, 9), 3, 4)  # 12 photos
    days_in(user, "berlin", datetime(2023, 9, 1, 9), 3, 3)  # 9 photos: too few
    days_in(user, "lisbon", datetime(2021, 6, 1, 9), 3, 5)  # more than two years ago
    older, draft = recaps.drafts(load(user, date(2023, 11, 1)))
    assert draft.kind == "recap_video"
    assert draft.title == "Recap: Florence, 22–24 Oct 2023"
    assert len(draft.items) == 12
    assert draft.reason.startswith(f"A {recap_seconds(12):.0f}-second video of 12 of the 12 photos from Florence")
    instants = {p.id: p.instant for p in load(user, date(2023, 11, 1)).photos}
    shown = [instants[pk] for pk in draft.items]
    assert shown == sorted(shown)  # in the order they were taken
    assert older.title == "Two years ago: Lisbon"
    assert older.reason.startswith(f"A {recap_seconds(12):.0f}-second video of 12 of the 15 photos from Lisbon, 1–3 Jun 2021")


def test_big_recent_events_get_a_recap(user):
    photos(user, datetime(2023, 10, 28, 12), 15, every=timedelta(minutes=10))
    photos(user, datetime(2023, 10, 29, 12), 14, every=timedelta(minutes=10))
    [draft] = recaps.drafts(load(user, date(2023, 11, 1), scopes=("library", "time")))
    assert draft.title == "Recap: Saturday, 28 Oct 2023"
    assert draft.scopes == {"library", "time"}
