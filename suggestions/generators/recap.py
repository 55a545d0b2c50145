"""The recap video renderer: a title card, the photos with Ken Burns pans that keep every face in
the frame, cross-faded, an end card, and a soundtrack when asked for, as an H.264 (and AAC) MP4.

H.264 High profile in yuv420p with the index at the front of the file (faststart) plays in
Chromium, Safari and phones. Nothing is written about the photos: no time, place or camera.
"""

import math
import os
import tempfile
from dataclasses import dataclass

import av
import numpy as np
from PIL import Image

from . import pan as pans
from .cards import end_card, title_card
from .crop import contain
from .soundtrack import RATE, soundtrack

LANDSCAPE = (1280, 720)
PORTRAIT = (720, 1280)
FPS = 25
MAX_PHOTOS = 12  # a trip's or an event's recap
YEAR_PHOTOS = 40  # a year's
HOLD_SECONDS, FADE_SECONDS = 3.0, 0.8  # each photo, fades included, up to MAX_PHOTOS
QUICK_HOLD_SECONDS, QUICK_FADE_SECONDS = 2.0, 0.5  # beyond: about a minute for a year
TITLE_SECONDS, END_SECONDS = 2.4, 2.4
OVERSCAN = pans.ZOOM  # photos are prepared this much larger than a frame, so the closest view keeps detail
MIN_KEPT_AREA = 0.6  # a photo whose frame-shaped crop would lose more is shown whole instead
X264 = {"crf": "23", "preset": "veryfast", "profile": "high", "g": str(2 * FPS)}
AAC_BITRATE = 96_000
BACKDROP_SIDE = 320


@dataclass(frozen=True)
class Words:
    """What the cards say."""

    title: str = ""
    subtitle: str = ""
    closing: str = ""


def _timing(count):
    """(frames each photo holds, frames of each cross-fade)."""
    hold, fade = (HOLD_SECONDS, FADE_SECONDS) if count <= MAX_PHOTOS else (QUICK_HOLD_SECONDS, QUICK_FADE_SECONDS)
    return round(hold * FPS), round(fade * FPS)


def _holds(count):
    hold, fade = _timing(count)
    return [round(TITLE_SECONDS * FPS), *[hold] * count, round(END_SECONDS * FPS)], fade


def _frame_count(count):
    holds, fade = _holds(count)
    return sum(holds) - fade * (len(holds) - 1)


def recap_seconds(count):
    """The video's length for `count` photos (at most YEAR_PHOTOS), cards included."""
    count = min(count, YEAR_PHOTOS)
    return _frame_count(count) / FPS if count else 0.0


def frame_size(tiles):
    """Upright video when most photos are upright, as phones show them."""
    portrait = sum(1 for tile in tiles if tile.aspect < 1)
    return PORTRAIT if portrait * 2 > len(tiles) else LANDSCAPE


def _scaled(boxes, origin, scale):
    return [((x - origin[0]) * scale[0], (y - origin[1]) * scale[1], w * scale[0], h * scale[1]) for x, y, w, h in boxes]


def _subject_on(subject, box, picture_size, canvas_size):
    """A subject (fractions of the picture) as fractions of a canvas showing `box` of the picture."""
    if not subject:
        return None
    (pw, ph), (bx0, by0, bx1, by1) = picture_size, box
    return tuple(
        (value * side - origin) / (end - origin)
        for value, side, origin, end in zip(subject, (pw, ph, pw, ph), (bx0, by0, bx0, by0), (bx1, by1, bx1, by1))
    )


class PhotoShot:
    """One photo prepared once: a frame-shaped canvas a little larger than the frame, in YUV 4:2:0,
    and its pan planned in the canvas's pixels."""

    def __init__(self, picture, faces, subject, frame, zoom_in):
        size = tuple(2 * round(side * OVERSCAN / 2) for side in frame)
        plan = pans.plan_pan(picture.width, picture.height, frame[0] / frame[1], faces, subject, zoom_in)
        outer = max((plan.start, plan.end), key=lambda b: b[2] - b[0]) if plan else None
        kept = (outer[2] - outer[0]) * (outer[3] - outer[1]) / (picture.width * picture.height) if plan else 0
        if kept >= MIN_KEPT_AREA:
            canvas = picture.resize(size, Image.Resampling.LANCZOS, box=outer, reducing_gap=3.0)
            scale = (size[0] / (outer[2] - outer[0]), size[1] / (outer[3] - outer[1]))
            self.faces = _scaled(pans.clipped(faces, picture.width, picture.height), outer, scale)
            start, end = (_scaled([(b[0], b[1], b[2] - b[0], b[3] - b[1])], outer, scale)[0] for b in (plan.start, plan.end))
            self.pan = pans.Pan(*((x, y, x + w, y + h) for x, y, w, h in (start, end)))
        else:
            canvas = contain(picture, size)
            scale = min(size[0] / picture.width, size[1] / picture.height)
            shown = (picture.width * scale, picture.height * scale)
            origin = (-(size[0] - shown[0]) / 2 / scale, -(size[1] - shown[1]) / 2 / scale)
            faces = _scaled(pans.clipped(faces, picture.width, picture.height), origin, (scale, scale))
            self.faces = faces
            box = (origin[0], origin[1], origin[0] + size[0] / scale, origin[1] + size[1] / scale)
            subject = _subject_on(subject, box, picture.size, size)
            self.pan = pans.plan_pan(size[0], size[1], frame[0] / frame[1], faces, subject, zoom_in)
        self.size = size
        self.backdrop = picture.copy()
        self.backdrop.thumbnail((BACKDROP_SIDE, BACKDROP_SIDE))
        whole = av.VideoFrame.from_image(canvas).reformat(format="yuv420p")
        self.planes = [_plane(plane).copy() for plane in whole.planes]

    def frame(self, t, size):
        """The frame at `t` (0–1): a crop of the YUV 4:2:0 canvas on even pixels, rounded outwards
        (so a face the plan holds stays in), scaled by libswscale. The crop is no more than
        OVERSCAN larger than the frame, where its fast bilinear scaler looks as good as the
        others, at a third of the cost; no RGB, no Pillow per frame."""
        x0, y0, x1, y1 = pans.pixel_box(self.pan.box(t))
        x0, y0 = max(0, x0 - x0 % 2), max(0, y0 - y0 % 2)
        x1, y1 = min(self.size[0], x1 + x1 % 2), min(self.size[1], y1 + y1 % 2)
        crop = av.VideoFrame(x1 - x0, y1 - y0, "yuv420p")
        luma, *chroma = self.planes
        _plane(crop.planes[0])[...] = luma[y0:y1, x0:x1]
        for plane, source in zip(crop.planes[1:], chroma):
            _plane(plane)[...] = source[y0 // 2:y1 // 2, x0 // 2:x1 // 2]
        return crop.reformat(width=size[0], height=size[1], format="yuv420p", interpolation="FAST_BILINEAR")


def _plane(plane):
    """A frame's plane as a writable 2-D array over its own memory (rows padded to line_size)."""
    rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
    return rows[: plane.height, : plane.width]


class _Still:
    """A card: one picture, the same in every frame."""

    def __init__(self, picture):
        self.video_frame = av.VideoFrame.from_image(picture).reformat(format="yuv420p")

    def frame(self, t, size):
        return self.video_frame


class Timeline:
    """Which shot (0 the title card, 1… the photos, last the end card) each frame shows, and
    where in it: shots hold for their frames and overlap by one cross-fade."""

    def __init__(self, count):
        self.holds, self.fade = _holds(count)
        self.starts = [sum(self.holds[:index]) - self.fade * index for index in range(len(self.holds))]
        self.total = _frame_count(count)

    def at(self, number):
        """[(shot, t 0–1)] for a frame: one shot, or two (the leaving one first) while they fade."""
        index = max(i for i, start in enumerate(self.starts) if start <= number)
        shown = [(index, (number - self.starts[index]) / max(1, self.holds[index] - 1))]
        if index > 0 and number - self.starts[index] < self.fade:
            previous = (number - self.starts[index - 1]) / max(1, self.holds[index - 1] - 1)
            shown.insert(0, (index - 1, previous))
        return shown

    def weight(self, number, index):
        """How much of the arriving shot a fading frame shows, of 256."""
        return round(256 * (number - self.starts[index] + 1) / (self.fade + 1))


def _mix(leaving, arriving, weight, buffers):
    """Cross-fade two yuv420p frames. YUV is an affine function of RGB, so blending in YUV is
    blending the pictures; the sums go through buffers kept for the whole video."""
    wide, other = buffers
    np.multiply(leaving.to_ndarray(), 256 - weight, out=wide, dtype=np.uint16)
    np.multiply(arriving.to_ndarray(), weight, out=other, dtype=np.uint16)
    wide += other
    wide >>= 8
    return av.VideoFrame.from_ndarray(wide.astype(np.uint8), format="yuv420p")


def _audio_packets(stream, track, seconds):
    samples = soundtrack(track, seconds)
    packets, size = [], stream.codec_context.frame_size or 1024
    for offset in range(0, samples.shape[1], size):
        chunk = np.ascontiguousarray(samples[:, offset:offset + size])
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = RATE, offset
        packets += stream.encode(frame)
    return packets + list(stream.encode())


def recap_render(tiles, load, words=Words(), track=None, subjects=None):
    """Render tiles (collage.Tile, in showing order) with `load(index, long_side)` giving each photo
    as an RGB image, orientation applied; `subjects` (fractions, or None) place the pans of photos
    without faces; `track` (soundtrack.Track) adds music. Returns the MP4's bytes."""
    tiles = tiles[:YEAR_PHOTOS]
    subjects = list(subjects or [None] * len(tiles))
    frame = frame_size(tiles)
    timeline = Timeline(len(tiles))
    shots = {}

    def shot(index):
        if index not in shots:
            if index == 0:
                shots[0] = _Still(title_card(shot(1).backdrop, frame, words.title, words.subtitle))
            elif index == len(tiles) + 1:
                shots[index] = _Still(end_card(shot(len(tiles)).backdrop, frame, words.closing))
            else:
                tile = tiles[index - 1]
                cover = max(frame[0] / tile.width, frame[1] / tile.height) * OVERSCAN
                picture = load(index - 1, math.ceil(max(tile.width, tile.height) * cover))
                scale = picture.width / tile.width
                faces = [(x * scale, y * scale, w * scale, h * scale) for x, y, w, h in tile.faces]
                shots[index] = PhotoShot(picture, faces, subjects[index - 1], frame, zoom_in=index % 2 == 1)
        return shots[index]

    handle, path = tempfile.mkstemp(suffix=".mp4")
    os.close(handle)
    try:
        with av.open(path, "w", format="mp4", options={"movflags": "+faststart"}) as container:
            stream = container.add_stream("libx264", rate=FPS)
            stream.width, stream.height, stream.pix_fmt = frame[0], frame[1], "yuv420p"
            stream.options = dict(X264)
            if track is not None:
                audio = container.add_stream("aac", rate=RATE, layout="stereo")
                audio.bit_rate = AAC_BITRATE
                audio.options = {"aac_coder": "fast"}  # the default two-loop search costs seconds for a minute of music
                container.mux(_audio_packets(audio, track, timeline.total / FPS))
            buffers = [np.empty((frame[1] * 3 // 2, frame[0]), dtype=np.uint16) for _ in range(2)]
            for number in range(timeline.total):
                shown = timeline.at(number)
                video_frame = shot(shown[-1][0]).frame(shown[-1][1], frame)
                if len(shown) == 2:
                    leaving = shot(shown[0][0]).frame(shown[0][1], frame)
                    video_frame = _mix(leaving, video_frame, timeline.weight(number, shown[-1][0]), buffers)
                else:
                    for done in [key for key in shots if key < shown[0][0]]:
                        del shots[done]
                video_frame.pts = number
                container.mux(stream.encode(video_frame))
            container.mux(stream.encode())
        with open(path, "rb") as mp4:
            return mp4.read()
    finally:
        os.unlink(path)
