"""Ken Burns pans planned from what a photo shows: every face stays whole inside every frame.

A pan is two boxes of the frame's shape on a picture — a wide one and a closer one — and the
camera eases from one to the other. Each box holds every face box (and, when the picture allows,
a margin around them), so every box between them does too: containment is a set of linear
inequalities, and an eased interpolation of two boxes that satisfy them satisfies them.
Without faces the closer box goes towards the subject (saliency, as fractions), else a little
above the middle. Pure: sizes and boxes in, boxes out.
"""

import math
from dataclasses import dataclass

ZOOM = 1.12  # how far the camera moves in (or out) over one photo
FACE_MARGIN = 0.35  # of a face's size, kept around the faces when the picture allows


def smooth(t):
    """Ease in and out (smoothstep) on 0–1."""
    t = min(1.0, max(0.0, t))
    return t * t * (3 - 2 * t)


@dataclass(frozen=True)
class Pan:
    """From `start` to `end`, boxes (x0, y0, x1, y1) of one shape on a picture."""

    start: tuple
    end: tuple

    def box(self, t):
        e = smooth(t)
        return tuple(a + (b - a) * e for a, b in zip(self.start, self.end))

    def boxes(self, count):
        """The box of each of `count` frames, first and last included."""
        if count <= 1:
            return [self.start] * count
        return [self.box(number / (count - 1)) for number in range(count)]


def _union(faces):
    return (min(x for x, _, _, _ in faces), min(y for _, y, _, _ in faces),
            max(x + w for x, _, w, _ in faces), max(y + h for _, y, _, h in faces))


def clipped(faces, width, height):
    """Face boxes cut to the picture (a detector's box may reach past its edge), empty ones dropped."""
    out = []
    for x, y, w, h in faces:
        x0, y0 = max(0.0, float(x)), max(0.0, float(y))
        x1, y1 = min(float(width), x + w), min(float(height), y + h)
        if x1 > x0 and y1 > y0:
            out.append((x0, y0, x1 - x0, y1 - y0))
    return out


def _padded(faces, width, height):
    x0, y0, x1, y1 = _union(faces)
    pad = FACE_MARGIN * max(max(w, h) for _, _, w, h in faces)
    return max(0.0, x0 - pad), max(0.0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad)


def _place(length, size, centre, keep):
    """Where a span of `size` starts on an axis of `length`: centred on `centre`, holding `keep`
    (start, end) when given."""
    low, high = 0.0, length - size
    if keep is not None:
        low, high = max(low, keep[1] - size), min(high, keep[0])
    return min(high, max(low, centre - size / 2))


def _box(width, height, size, centre, keep):
    w, h = size
    x = _place(width, w, centre[0], (keep[0], keep[2]) if keep else None)
    y = _place(height, h, centre[1], (keep[1], keep[3]) if keep else None)
    return (x, y, x + w, y + h)


def _fits(size, region):
    return region is None or (region[2] - region[0] <= size[0] + 1e-9 and region[3] - region[1] <= size[1] + 1e-9)


def plan_pan(width, height, aspect, faces=(), subject=None, zoom_in=True, zoom=ZOOM):
    """The pan of a picture of `width` × `height` for a frame of `aspect` (width / height), or None
    when no box of that shape on the picture holds every face (show the picture whole instead).
    `faces` are (x, y, w, h) in the picture's pixels, `subject` (x0, y0, x1, y1) as fractions."""
    faces = clipped(faces, width, height)
    if width / height > aspect:
        wide = (height * aspect, float(height))
    else:
        wide = (float(width), width / aspect)
    tight = _union(faces) if faces else None
    padded = _padded(faces, width, height) if faces else None
    if not _fits(wide, tight):
        return None
    if faces:
        centre = ((padded[0] + padded[2]) / 2, (padded[1] + padded[3]) / 2)
    elif subject:
        centre = ((subject[0] + subject[2]) / 2 * width, (subject[1] + subject[3]) / 2 * height)
    else:
        centre = (width / 2, height * 0.45)  # people and horizons sit a little above the middle
    keep_wide = padded if _fits(wide, padded) else tight
    outer = _box(width, height, wide, centre, keep_wide)
    closest = zoom
    for region in (padded, tight):
        if region is not None and region[2] > region[0] and region[3] > region[1]:
            room = min(wide[0] / (region[2] - region[0]), wide[1] / (region[3] - region[1]))
            if room >= 1.0:
                closest = min(zoom, room)
                break
    near = (wide[0] / closest, wide[1] / closest)
    keep_near = padded if _fits(near, padded) else tight
    inner = _box(width, height, near, centre, keep_near)
    return Pan(outer, inner) if zoom_in else Pan(inner, outer)


def holds(box, face, slack=1e-6):
    """Whether the box (x0, y0, x1, y1) holds the whole face (x, y, w, h)."""
    x, y, w, h = face
    return box[0] <= x + slack and box[1] <= y + slack and x + w <= box[2] + slack and y + h <= box[3] + slack


def pixel_box(box):
    """A planned box on whole pixels, rounded outwards so that what it held it still holds."""
    return (math.floor(box[0] + 1e-6), math.floor(box[1] + 1e-6), math.ceil(box[2] - 1e-6), math.ceil(box[3] - 1e-6))
