"""Recap video speed: a year-review recap of 40 photos at 720p against the encode floor.

    nice -n 10 .venv/bin/python bench/recap.py [--photos 40] [--no-profile]

The figure is the whole render of a stored suggestion as the worker runs it (reading the previews
from storage, cards, face-aware pans, cross-fades, the soundtrack, H.264 + AAC, storing the file).
The floor is PyAV encoding the same number of frames of one still picture with the same size and
x264 settings, measured in the same run, before and after the render; the ratio is to the slower
of the two. A second floor, encoding the recap's own frames again, shows what the encoder alone
costs for moving pictures (identical frames cost x264 almost nothing to compress), and the two
floors side by side at each x264 preset show whether any setting brings moving pictures near a
still one. Then a profile
of one more render says where the time goes. Wall-clock seconds, with the process's CPU seconds
beside them (steadier when others share the machine). Runs on a throwaway database and storage.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="rollweb-bench-recap-")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
os.environ["DJANGO_SETTINGS_MODULE"] = "rollweb.settings"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import av  # noqa: E402
import numpy as np  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

from bench.timing import Took, encode_again, timed  # noqa: E402
from consent import scopes  # noqa: E402
from consent.models import Method  # noqa: E402
from consent.services import scopes_grant  # noqa: E402
from rollweb.storage import save_bytes  # noqa: E402
from suggestions.analysis import images  # noqa: E402
from suggestions.feed import render as feed_render  # noqa: E402
from suggestions.generators.recap import FPS, LANDSCAPE, X264, recap_seconds  # noqa: E402
from suggestions.models import Face, MediaItem, Suggestion, SuggestionItem  # noqa: E402

PRESETS = ("ultrafast", "superfast", "veryfast")
CORPUS = Path(os.environ.get("ROLLWEB_CORPUS", REPO.parent / "shared" / "corpus"))




def previews(count):
    """`count` phone-like previews (1280 px, mostly landscape) from the corpus's photos of faces,
    varied by mirroring and cropping, with the faces face_recognition finds in each."""
    import face_recognition

    sources = sorted((CORPUS / "faces").glob("*.jpg"))
    if not sources:
        sys.exit(f"no corpus at {CORPUS} (set ROLLWEB_CORPUS)")
    out = []
    for index in range(count):
        with open(sources[index % len(sources)], "rb") as file:
            picture = images.decode(images.open_image(file, 10**9), images.THUMB_LARGE)
        variant = index // len(sources)
        if variant % 2:
            picture = ImageOps.mirror(picture)
        if picture.height > picture.width and variant < 2:
            # Most phone photos in a year are landscape: cut a wide band around the middle.
            band = round(picture.width * 0.75)
            top = (picture.height - band) // 3
            picture = picture.crop((0, top, picture.width, top + band))
        picture = images.decode(picture, images.THUMB_LARGE) if max(picture.size) > images.THUMB_LARGE else picture
        found = face_recognition.face_locations(np.asarray(picture))
        out.append((picture, [(left, top, right - left, bottom - top) for top, right, bottom, left in found]))
    return out


def stored_recap(user, shots):
    suggestion = Suggestion.objects.create(
        owner=user, kind="recap_video", title="Your 2025: the video", reason="bench", fingerprint=f"bench-{time.time()}",
        scopes_used=Suggestion.scopes_value(["library", "time", "faces"]),
    )
    for position, (picture, faces) in enumerate(shots):
        data = images.jpeg_bytes(picture, quality=85)
        item = MediaItem.objects.create(
            owner=user, kind="photo", status="analyzed", original="", sha256=f"{suggestion.pk:08d}{position:056d}",
            original_name="x.jpg", mime="image/jpeg", bytes=len(data), width=picture.width, height=picture.height,
            thumb_large=save_bytes(f"users/{user.pk}/thumbs/{suggestion.pk}-{position}.jpg", data),
        )
        for x, y, w, h in faces:
            Face.objects.create(media=item, x=x, y=y, w=w, h=h, encoding=b"\0" * 512)
        SuggestionItem.objects.create(suggestion=suggestion, media=item, position=position)
    return suggestion


def still_floor(picture, frames, options=X264):
    """PyAV encoding `frames` frames of one still picture, same size and settings as the recap
    (or `options`)."""
    frame = av.VideoFrame.from_image(ImageOps.fit(picture, LANDSCAPE)).reformat(format="yuv420p")
    with tempfile.NamedTemporaryFile(suffix=".mp4") as out, av.open(out.name, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = LANDSCAPE[0], LANDSCAPE[1], "yuv420p"
        stream.options = dict(options)
        for number in range(frames):
            frame.pts = number
            container.mux(stream.encode(frame))
        container.mux(stream.encode())



def described(name):
    with default_storage.open(name, "rb") as mp4, av.open(io.BytesIO(mp4.read())) as container:
        video = container.streams.video[0]
        frames = video.frames or sum(1 for _ in container.decode(video=0))
        kinds = "+".join(stream.codec_context.name for stream in container.streams)
        return frames, f"{video.width}×{video.height} {kinds}, {container.duration / 1e6:.1f} s"


def load_average():
    return "load average " + " ".join(f"{value:.1f}" for value in os.getloadavg()) + f" on {os.cpu_count()} cores"


def line(name, took, note=""):
    print(f"{name:<58} {took:8.2f} s (cpu {took.cpu:7.2f} s){'  ' + note if note else ''}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="bench-only-password")
    scopes_grant(user, list(scopes.ORDER), notice_version=scopes.notice_version(), method=Method.WEB,
                 biometric_confirmed=True)
    shots = previews(args.photos)
    faces = sum(len(found) for _, found in shots)
    frames_expected = round(recap_seconds(args.photos) * FPS)
    print(f"rollweb recap benchmark: {args.photos} photos ({faces} faces), {recap_seconds(args.photos):.1f} s "
          f"= {frames_expected} frames at {FPS} fps, x264 {X264}")
    print(f"at the start: {load_average()}")
    suggestion = stored_recap(user, shots)
    before, _ = timed(still_floor, shots[0][0], frames_expected)
    render, name = timed(feed_render.suggestion_render, suggestion.pk)
    after, _ = timed(still_floor, shots[0][0], frames_expected)
    frames, what = described(name)
    assert frames == frames_expected, (frames, frames_expected)
    floor = Took(max(before, after))
    floor.cpu = max(before.cpu, after.cpu)
    line("floor: one still picture encoded, before the render", before, f"{frames} frames")
    line(f"recap of {args.photos} photos (load, cards, pans, fades, music, store)", render, what)
    line("floor: one still picture encoded, after the render", after)
    own = encode_again(name)
    line("the recap's own frames encoded again (encoder alone)", own)
    print(f"ratio to the still floor: {render / floor:.2f}× wall, {render.cpu / floor.cpu:.2f}× cpu (target 1.5×); "
          f"to its own frames' encode: {render / own:.2f}× wall, {render.cpu / own.cpu:.2f}× cpu")
    print("the same two floors at each x264 preset (CPU seconds, which x264's threads make steadier than wall):")
    for preset in PRESETS:
        options = {**X264, "preset": preset}
        still, _ = timed(still_floor, shots[0][0], frames_expected, options)
        moving = encode_again(name, options)
        print(f"  {preset:<10} still {still.cpu:6.2f} s, the recap's frames {moving.cpu:6.2f} s: "
              f"{moving.cpu / still.cpu:.2f}× the still floor before any rendering")
    print(f"at the end: {load_average()}")
    if args.no_profile:
        return
    profiled = stored_recap(user, shots)
    profile = cProfile.Profile()
    profile.runcall(feed_render.suggestion_render, profiled.pk)
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(14)
    print("where the time goes (one more render, profiled; tottime = in the function itself):")
    print("\n".join(row for row in out.getvalue().splitlines() if row.strip()))
    print(f"after the profile: {load_average()}")


if __name__ == "__main__":
    main()
