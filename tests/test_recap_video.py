"""Recap videos: H.264 MP4 that browsers and phones play, at most 1080p, a title card and an end
card, Ken Burns pans that never cut a face, music when the person wants it, no metadata that locates
anyone; and which trips and events get one."""

import io
import random
import re
from datetime import date, datetime, timedelta

import av
import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from suggestions.generators import pan as pans, recaps
from suggestions.generators.cards import end_card, title_card
from suggestions.generators.collage import Tile
from suggestions.generators.recap import FPS, LANDSCAPE, YEAR_PHOTOS, Words, recap_render, recap_seconds
from suggestions.generators.recap import PhotoShot, Timeline
from suggestions.generators.soundtrack import RATE, TRACKS

from suggestions.models import Suggestion

from .conftest import grant
from .crafted import load, photos, picture
from .factories import HomeFactory
from .test_feed_pages import rendered

SHOTS = [((1200, 900), [(100, 150, 200, 200)]), ((1280, 720), [(1000, 60, 180, 180)]), ((1000, 1000), [])]
WORDS = Words("Two years ago: Zürich", "22–24 Oct 2023", "3 photos · 22–24 Oct 2023")


def pictures_of(shots):
    return [Image.open(io.BytesIO(picture(size, faces))).convert("RGB") for size, faces in shots]


def render(shots, words=WORDS, track=None):
    pictures = pictures_of(shots)
    tiles = [Tile(size[0], size[1], tuple(faces)) for size, faces in shots]
    return recap_render(tiles, lambda index, side: pictures[index], words, track=track)


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
    assert not container.streams.audio  # no music unless asked for
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


def test_length_is_about_half_a_minute_for_a_trip_and_a_minute_for_a_year():
    assert recap_seconds(1) == pytest.approx(2.4 + 3.0 + 2.4 - 2 * 0.8)
    assert recap_seconds(12) <= 35 and recap_seconds(YEAR_PHOTOS) <= 70
    assert recap_seconds(50) == recap_seconds(YEAR_PHOTOS)


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


def frames_of(data):
    with av.open(io.BytesIO(data)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def test_the_first_frame_is_the_title_card_and_the_last_the_end_card(landscape_mp4):
    frames = frames_of(landscape_mp4)
    first, last = pictures_of(SHOTS)[0], pictures_of(SHOTS)[-1]
    title = np.asarray(title_card(first, LANDSCAPE, WORDS.title, WORDS.subtitle), dtype=int)
    end = np.asarray(end_card(last, LANDSCAPE, WORDS.closing), dtype=int)
    assert np.abs(frames[0].astype(int) - title).mean() < 4
    assert np.abs(frames[-1].astype(int) - end).mean() < 4
    for frame in (frames[0], frames[-1]):
        band = frame[250:470, 200:1080].astype(int)
        assert (band.min(axis=2) > 220).sum() > 2000  # white letters across the middle
        assert (frame[:120].astype(int).max(axis=2) < 200).all()  # over a darkened photo, no words at the top
    words = np.abs(frames[0].astype(int) - frames[-1].astype(int))[250:470]
    assert (words.max(axis=2) > 120).sum() > 2000  # two different cards, not one twice
    # A photo's frame in between is neither card.
    middle = frames[len(frames) // 2].astype(int)
    assert np.abs(middle - title).mean() > 20 and np.abs(middle - end).mean() > 20


def test_a_card_draws_accented_names_and_leaves_out_what_its_font_lacks():
    plain = Image.new("RGB", (640, 360), (90, 90, 90))
    zurich = np.asarray(title_card(plain, (640, 360), "Zürich"), dtype=int)
    zurich_unaccented = np.asarray(title_card(plain, (640, 360), "Zurich"), dtype=int)
    assert np.abs(zurich - zurich_unaccented).sum() > 0  # the umlaut is drawn, not a box or nothing
    tokyo = np.asarray(title_card(plain, (640, 360), "東京", "3 photos"), dtype=int)
    photos_only = np.asarray(title_card(plain, (640, 360), "", "3 photos"), dtype=int)
    assert np.array_equal(tokyo, photos_only)  # no .notdef boxes


@pytest.fixture(scope="module")
def with_music():
    return render(SHOTS[:2], track=TRACKS[1])


def test_music_is_an_aac_stream_as_long_as_the_video_when_asked_for(with_music):
    with av.open(io.BytesIO(with_music)) as container:
        [video], [audio] = container.streams.video, container.streams.audio
        assert audio.codec_context.name == "aac" and audio.codec_context.sample_rate == RATE
        assert audio.codec_context.channels == 2
        samples = np.concatenate([frame.to_ndarray() for frame in container.decode(audio=0)], axis=1)
    seconds = samples.shape[1] / RATE
    assert seconds == pytest.approx(recap_seconds(2), abs=0.1)
    loudness = np.sqrt((samples ** 2).mean())
    assert 0.02 < loudness < 0.5 and np.abs(samples).max() < 0.7  # heard, never loud
    assert np.abs(samples[:, : RATE // 10]).max() < 0.05  # faded in


def test_neither_video_nor_music_says_where_or_when(with_music, landscape_mp4):
    for data in (with_music, landscape_mp4):
        with av.open(io.BytesIO(data)) as container:
            tags = dict(container.metadata)
            for stream in container.streams:
                tags.update(stream.metadata)
        assert not {"location", "location-eng", "creation_time", "date", "make", "model"} & set(tags)
        assert b"\xa9xyz" not in data and b"ISO6709" not in data and b"Exif" not in data
        assert b"\xa9day" not in data and b"GPS" not in data


def random_faces(rng, width, height, count):
    faces = []
    for _ in range(count):
        side = rng.uniform(0.03, 0.45) * min(width, height)
        x, y = rng.uniform(-0.05 * side, width - 0.95 * side), rng.uniform(-0.05 * side, height - 0.95 * side)
        faces.append((x, y, side * rng.uniform(0.8, 1.2), side))
    return faces


def in_picture(face, width, height):
    x, y, w, h = face
    x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + w), min(height, y + h)
    return (x0, y0, x1 - x0, y1 - y0)


def test_every_planned_pan_keeps_every_face_inside_every_frame():
    rng = random.Random(15)
    planned = refused = 0
    for _ in range(3000):
        width, height = rng.randint(200, 6000), rng.randint(200, 6000)
        aspect = rng.choice([16 / 9, 9 / 16, 1.0, 4 / 3])
        faces = random_faces(rng, width, height, rng.choice([0, 1, 1, 2, 3, 5]))
        subject = (0.1, 0.2, rng.uniform(0.2, 1), rng.uniform(0.3, 1)) if rng.random() < 0.5 else None
        plan = pans.plan_pan(width, height, aspect, faces, subject, zoom_in=rng.random() < 0.5)
        whole = [in_picture(face, width, height) for face in faces]
        if plan is None:
            refused += 1
            span_w = max(x + w for x, _, w, _ in whole) - min(x for x, _, _, _ in whole)
            span_h = max(y + h for _, y, _, h in whole) - min(y for _, y, _, _ in whole)
            assert span_w > min(width, height * aspect) or span_h > min(height, width / aspect)
            continue
        planned += 1
        for box in plan.boxes(rng.randint(2, 80)):
            assert 0 <= box[0] + 1e-6 and box[2] <= width + 1e-6 and 0 <= box[1] + 1e-6 and box[3] <= height + 1e-6
            assert (box[2] - box[0]) / (box[3] - box[1]) == pytest.approx(aspect, rel=1e-6)
            for face in whole:
                assert pans.holds(box, face) and pans.holds(pans.pixel_box(box), face)
        start, end = plan.start, plan.end
        assert (start[2] - start[0]) >= (end[2] - end[0]) - 1e-6 or (end[2] - end[0]) >= (start[2] - start[0])
    assert planned > 2000 and refused > 20  # both branches were exercised


def test_the_pan_moves_and_goes_towards_the_faces():
    plan = pans.plan_pan(4000, 3000, 16 / 9, [(3000, 400, 300, 300)], zoom_in=True)
    wide, near = plan.start, plan.end
    assert (wide[2] - wide[0]) / (near[2] - near[0]) == pytest.approx(pans.ZOOM)
    assert (near[0] + near[2]) / 2 > (wide[0] + wide[2]) / 2  # towards the face on the right
    subject = pans.plan_pan(4000, 3000, 16 / 9, [], subject=(0.0, 0.6, 0.3, 1.0), zoom_in=False)
    assert (subject.start[1] + subject.start[3]) / 2 > (subject.end[1] + subject.end[3]) / 2  # from the subject below


def test_the_prepared_photos_keep_their_faces_inside_every_frame_of_their_pan():
    """The plan as the renderer uses it: on the frame-shaped canvas it prepares, cropped or whole."""
    rng = random.Random(9)
    for _ in range(60):
        width, height = rng.randint(120, 900), rng.randint(120, 900)
        faces = random_faces(rng, width, height, rng.choice([1, 2, 3]))
        colours = Image.new("RGB", (width, height), (40, 90, 140))
        frame = rng.choice([(128, 72), (72, 128)])
        photo = PhotoShot(colours, faces, None, frame, zoom_in=rng.random() < 0.5)
        canvas_faces = photo.faces
        assert len(canvas_faces) == len(faces)
        for box in photo.pan.boxes(30):
            x0, y0, x1, y1 = pans.pixel_box(box)
            assert 0 <= x0 and 0 <= y0 and x1 <= photo.size[0] and y1 <= photo.size[1]
            for face in canvas_faces:
                assert pans.holds((x0, y0, x1, y1), face, slack=1e-3)


@pytest.fixture
def faces_recap(corpus, manifest):
    """A short recap of corpus photos with faces, their face boxes found by face_recognition."""
    import face_recognition

    names = ["faces/two_people.jpg", "faces/alex_lacamoire1.jpg", "faces/rose_leslie_img1.jpg",
             "faces/obama_and_biden.jpg"]
    assert all(manifest[name].get("faces") for name in names)
    pictures = [Image.open(corpus / name).convert("RGB") for name in names]
    tiles = []
    for image in pictures:
        found = face_recognition.face_locations(np.asarray(image))
        tiles.append(Tile(image.width, image.height, tuple((l, t, r - l, b - t) for t, r, b, l in found)))
    assert all(tile.faces for tile in tiles)
    return recap_render(tiles, lambda index, side: pictures[index], Words("Faces", "", "4 photos")), tiles


def test_faces_found_in_frames_of_a_rendered_recap_are_inside_the_frame(faces_recap):
    import face_recognition

    data, tiles = faces_recap
    timeline = Timeline(len(tiles))
    # Ten frames where one photo shows alone (no card, no cross-fade), spread over the photos.
    alone = [number for number in range(timeline.total)
             if len(timeline.at(number)) == 1 and 0 < timeline.at(number)[0][0] <= len(tiles)]
    sampled = set(alone[:: max(1, len(alone) // 10)][:10])
    assert len(sampled) == 10
    found_in = 0
    with av.open(io.BytesIO(data)) as container:
        for number, frame in enumerate(container.decode(video=0)):
            if number not in sampled:
                continue
            pixels = frame.to_ndarray(format="rgb24")
            height, width = pixels.shape[:2]
            found = face_recognition.face_locations(pixels)
            found_in += bool(found)
            for top, right, bottom, left in found:
                # face_recognition trims a box to the picture: a cut face would touch an edge.
                assert left > 0 and top > 0 and right < width - 1 and bottom < height - 1
    assert found_in >= 8


def stored_streams(private_storage, suggestion):
    with av.open(str(private_storage / suggestion.asset.name)) as container:
        return [stream.type for stream in container.streams]


@pytest.fixture
def person(client, user):
    grant(user, "library", "time")
    client.force_login(user)
    return user


def test_a_recap_has_music_and_plays_muted_with_a_way_to_turn_it_off(client, person, private_storage):
    suggestion = rendered(person, kind="recap_video", count=2, title="Recap: Saturday, 15 Jun 2024")
    assert suggestion.soundtrack and stored_streams(private_storage, suggestion) == ["video", "audio"]
    page = client.get(reverse("feed:index")).content.decode()
    assert re.search(rf'<video id="recap-{suggestion.pk}" controls muted playsinline', page)
    assert f'data-video="recap-{suggestion.pk}" hidden>Sound on</button>' in page  # shown by recap.js
    form = page.split(f'action="{reverse("feed:soundtrack", args=[suggestion.pk])}"')[1].split("</form>")[0]
    assert 'name="soundtrack" value="off"' in form and "Remove the music" in form


def test_turning_the_music_off_makes_the_video_again_without_it(
    client, person, private_storage, django_capture_on_commit_callbacks
):
    suggestion = rendered(person, kind="recap_video", count=2)
    before = suggestion.asset.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("feed:soundtrack", args=[suggestion.pk]), {"soundtrack": "off", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    suggestion.refresh_from_db()
    assert not suggestion.soundtrack and suggestion.asset and suggestion.asset.name != before
    assert not (private_storage / before).exists()
    assert stored_streams(private_storage, suggestion) == ["video"]
    page = client.get(reverse("feed:index")).content.decode()
    assert "Without music." in page and "Add music" in page and "Sound on</button>" not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("feed:soundtrack", args=[suggestion.pk]), {"soundtrack": "on"})
    suggestion.refresh_from_db()
    assert suggestion.soundtrack and stored_streams(private_storage, suggestion) == ["video", "audio"]


def test_music_is_only_for_ones_own_recap_videos(client, person, other_user):
    collage = rendered(person, kind="event", count=2)
    assert client.post(reverse("feed:soundtrack", args=[collage.pk]), {"soundtrack": "off"}).status_code == 400
    video = rendered(person, kind="recap_video", count=1)
    assert client.post(reverse("feed:soundtrack", args=[video.pk]), {"soundtrack": "loud"}).status_code == 400
    assert client.get(reverse("feed:soundtrack", args=[video.pk])).status_code == 405
    theirs = rendered(other_user, kind="recap_video", count=1)
    assert client.post(reverse("feed:soundtrack", args=[theirs.pk]), {"soundtrack": "off"}).status_code == 404
    assert Suggestion.objects.get(pk=theirs.pk).soundtrack and Suggestion.objects.get(pk=video.pk).soundtrack


def test_music_over_the_api(api, person, other_user, private_storage, django_capture_on_commit_callbacks):
    video = rendered(person, kind="recap_video", count=2)
    url = f"/api/v1/suggestions/{video.pk}/soundtrack/"
    assert api.get(f"/api/v1/suggestions/{video.pk}/").json()["soundtrack"] is True
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(url, {"soundtrack": False}, format="json")
    assert response.status_code == 200
    assert response.json()["soundtrack"] is False and response.json()["asset_url"] is None
    video.refresh_from_db()
    assert not video.soundtrack and stored_streams(private_storage, video) == ["video"]
    assert api.post(url, {"soundtrack": "loud"}, format="json").status_code == 400
    collage = rendered(person, kind="event", count=2)
    refused = api.post(f"/api/v1/suggestions/{collage.pk}/soundtrack/", {"soundtrack": True}, format="json")
    assert refused.status_code == 400 and refused.json()["detail"] == "Only recap videos have music."
    assert api.get(f"/api/v1/suggestions/{collage.pk}/").json()["soundtrack"] is False
    theirs = rendered(other_user, kind="recap_video", count=1)
    assert api.post(f"/api/v1/suggestions/{theirs.pk}/soundtrack/", {"soundtrack": False}, format="json").status_code == 404
    assert Suggestion.objects.get(pk=theirs.pk).soundtrack
