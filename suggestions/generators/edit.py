"""The renderer of "edit" suggestions: a photo enhanced and re-framed, at its own pixels, no metadata."""

import itertools
import math

from ..analysis.enhance import enhance
from ..analysis.images import jpeg_bytes
from .crop import cuts_face, face_safe_crop

FRAMES = {"original": None, "1:1": 1.0, "4:5": 4 / 5, "9:16": 9 / 16}  # width / height


def _whole(box):
    """Integer boxes near `box`: rounded first, then each edge floored or ceiled."""
    yield tuple(round(value) for value in box)
    for rounding in itertools.product((math.floor, math.ceil), repeat=4):
        yield tuple(edge(value) for edge, value in zip(rounding, box))


def frame_box(width, height, frame, faces=(), subject=None):
    """The crop (x0, y0, x1, y1), in whole pixels, of a width × height picture for `frame`: the
    largest of its ratio that cuts no face (faces are (x, y, w, h)), centred on the faces, else on
    `subject` (fractions, as saliency.subject_box gives), else a little above the middle. None when
    every crop of that ratio cuts a face."""
    if FRAMES[frame] is None:
        return (0, 0, width, height)
    centre = None
    if subject is not None:
        centre = ((subject[0] + subject[2]) / 2 * width, (subject[1] + subject[3]) / 2 * height)
    box = face_safe_crop(width, height, FRAMES[frame], list(faces), centre=centre)
    if box is None:
        return None
    for x0, y0, x1, y1 in _whole(box):
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
        if x1 > x0 and y1 > y0 and not cuts_face((x0, y0, x1, y1), faces):
            return (x0, y0, x1, y1)
    return None


def edit_render(picture, plan, box=None, quality=90):
    """The edited photo as JPEG bytes with no metadata: `picture` (RGB) cropped to `box` and
    enhanced by `plan` (either may be None), at the crop's own size."""
    if box is not None:
        picture = picture.crop(box)
    if plan is not None:
        picture = enhance(picture, plan)
    return jpeg_bytes(picture, quality=quality)
