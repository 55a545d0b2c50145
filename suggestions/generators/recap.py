"""The recap video renderer: photos with slow zooms and pans, cross-faded, as an H.264 MP4.

H.264 High profile in yuv420p with the index at the front of the file (faststart) plays in
Chromium, Safari and phones. Nothing is written about the photos: no time, place or camera.
"""

import math
import os
import tempfile

import av
import numpy as np
from PIL import Image

from .crop import contain, face_safe_crop

LANDSCAPE = (1280, 720)
PORTRAIT = (720, 1280)
FPS = 25
HOLD_SECONDS = 3.0  # each photo, fades included
FADE_SECONDS = 0.8
ZOOM = 1.12  # how far the camera moves in (or out) over one photo
OVERSCAN = 1.25  # photos are prepared this much larger than a frame, so zooming keeps detail
MIN_KEPT_AREA = 0.6  # a photo whose frame-shaped crop would lose more is shown whole instead
MAX_PHOTOS = 12
X264 = {"crf": "23", "preset": "veryfast", "profile": "high", "g": str(2 * FPS)}


def recap_seconds(count):
    """The video's length for `count` photos (at most MAX_PHOTOS)."""
    count = min(count, MAX_PHOTOS)
    return count * HOLD_SECONDS - max(0, count - 1) * FADE_SECONDS if count else 0.0


def frame_size(tiles):
    """Upright video when most photos are upright, as phones show them."""
    portrait = sum(1 for tile in tiles if tile.aspect < 1)
    return PORTRAIT if portrait * 2 > len(tiles) else LANDSCAPE


def _smooth(t):
    return t * t * (3 - 2 * t)


class _Shot:
    """One photo prepared for the frame: a frame-shaped picture and where the camera starts and ends."""

    def __init__(self, picture, faces, frame, zoom_in):
        width, height = (round(side * OVERSCAN) for side in frame)
        aspect = width / height
        box = face_safe_crop(picture.width, picture.height, aspect, faces)
        kept = (box[2] - box[0]) * (box[3] - box[1]) / (picture.width * picture.height) if box else 0
        if box is not None and kept >= MIN_KEPT_AREA:
            self.canvas = picture.resize((width, height), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
            sx, sy = width / (box[2] - box[0]), height / (box[3] - box[1])
            faces = [
                ((x - box[0]) * sx, (y - box[1]) * sy, w * sx, h * sy)
                for x, y, w, h in faces
                if x >= box[0] and y >= box[1] and x + w <= box[2] and y + h <= box[3]
            ]
        else:
            self.canvas = contain(picture, (width, height))
            scale = min(width / picture.width, height / picture.height)
            dx, dy = (width - picture.width * scale) / 2, (height - picture.height * scale) / 2
            faces = [(x * scale + dx, y * scale + dy, w * scale, h * scale) for x, y, w, h in faces]
        whole = (0.0, 0.0, float(width), float(height))
        closer = face_safe_crop(width, height, aspect, faces, zoom=ZOOM) or whole
        self.start, self.end = (whole, closer) if zoom_in else (closer, whole)
        self.planes = av.VideoFrame.from_image(self.canvas).reformat(format="yuv444p").to_ndarray()

    def frame(self, t, size):
        """The frame at `t` (0–1) in yuv420p. libswscale scaling whole-pixel crops of a YUV 4:4:4
        copy is three times faster than Pillow's sub-pixel resize of RGB; the overscan keeps the
        rounding under half a pixel of the frame."""
        e = _smooth(t)
        x0, y0, x1, y1 = (round(a + (b - a) * e) for a, b in zip(self.start, self.end))
        crop = np.ascontiguousarray(self.planes[:, y0:y1, x0:x1])
        return av.VideoFrame.from_ndarray(crop, format="yuv444p").reformat(
            width=size[0], height=size[1], format="yuv420p", interpolation="BILINEAR"
        )


def recap_render(tiles, load):
    """Render tiles (collage.Tile, in showing order) with `load(index, long_side)` giving each photo
    as an RGB image, orientation applied. Returns the MP4's bytes."""
    tiles = tiles[:MAX_PHOTOS]
    frame = frame_size(tiles)
    hold, fade = round(HOLD_SECONDS * FPS), round(FADE_SECONDS * FPS)
    step = hold - fade
    total = step * (len(tiles) - 1) + hold
    shots = {}

    def shot(index):
        if index not in shots:
            tile = tiles[index]
            cover = max(frame[0] / tile.width, frame[1] / tile.height) * OVERSCAN
            picture = load(index, math.ceil(max(tile.width, tile.height) * cover))
            scale = picture.width / tile.width
            faces = [(x * scale, y * scale, w * scale, h * scale) for x, y, w, h in tile.faces]
            shots[index] = _Shot(picture, faces, frame, zoom_in=index % 2 == 0)
        return shots[index]

    handle, path = tempfile.mkstemp(suffix=".mp4")
    os.close(handle)
    try:
        with av.open(path, "w", format="mp4", options={"movflags": "+faststart"}) as container:
            stream = container.add_stream("libx264", rate=FPS)
            stream.width, stream.height, stream.pix_fmt = frame[0], frame[1], "yuv420p"
            stream.options = dict(X264)
            for number in range(total):
                index = min(number // step, len(tiles) - 1)
                video_frame = shot(index).frame((number - index * step) / (hold - 1), frame)
                if index > 0 and number - index * step < fade:
                    # YUV is an affine function of RGB, so blending in YUV is blending the pictures.
                    previous = shot(index - 1).frame((number - (index - 1) * step) / (hold - 1), frame).to_ndarray()
                    weight = round(256 * (number - index * step + 1) / (fade + 1))
                    current = video_frame.to_ndarray()
                    mixed = (previous.astype(np.uint16) * (256 - weight) + current * np.uint16(weight)) >> 8
                    video_frame = av.VideoFrame.from_ndarray(mixed.astype(np.uint8), format="yuv420p")
                elif index > 0:
                    shots.pop(index - 1, None)
                for packet in stream.encode(video_frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        with open(path, "rb") as mp4:
            return mp4.read()
    finally:
        os.unlink(path)
