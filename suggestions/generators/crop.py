"""Face-aware cropping: a crop never cuts a face; each face is wholly inside it or wholly outside."""

import math

from PIL import Image, ImageFilter

FACE_MARGIN = 0.25  # of a face's size, kept around it inside a crop when the picture allows
EPSILON = 1e-6


def _inside(box, face):
    return (
        box[0] <= face[0] + EPSILON and box[1] <= face[1] + EPSILON
        and face[2] <= box[2] + EPSILON and face[3] <= box[3] + EPSILON
    )


def _apart(box, face):
    return (
        face[2] <= box[0] + EPSILON or face[0] >= box[2] - EPSILON
        or face[3] <= box[1] + EPSILON or face[1] >= box[3] - EPSILON
    )


def cuts_face(box, faces):
    """Whether the crop `box` (x0, y0, x1, y1) cuts any of `faces` (x, y, w, h)."""
    return any(not _inside(box, f) and not _apart(box, f) for f in ((x, y, x + w, y + h) for x, y, w, h in faces))


def _positions(length, size, spans, ideal):
    """Where a crop of `size` along an axis of `length` may start to include or exclude each span."""
    room = max(0.0, length - size)
    points = {0.0, room, ideal - size / 2}
    for start, end in spans:
        points.update((start, end - size, end, start - size))
    return sorted({min(room, max(0.0, point)) for point in points})


def face_safe_crop(width, height, aspect, faces, zoom=1.0, centre=None):
    """The crop box (x0, y0, x1, y1) of `aspect` (width / height), 1/zoom of the largest that fits,
    that cuts no face; faces are (x, y, w, h) in the same pixels. Prefers keeping more of the faces
    inside (with a margin), then the crop nearest to them, or without faces nearest to `centre`
    (x, y) when given. None when every such crop cuts a face."""
    if width / height > aspect:
        crop_w, crop_h = height * aspect / zoom, height / zoom
    else:
        crop_w, crop_h = width / zoom, width / aspect / zoom
    tight = [(x, y, x + w, y + h) for x, y, w, h in faces]
    padded = []
    for x0, y0, x1, y1 in tight:
        pad = FACE_MARGIN * max(x1 - x0, y1 - y0)
        padded.append((max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad)))
    if tight:
        ideal = ((min(f[0] for f in padded) + max(f[2] for f in padded)) / 2,
                 (min(f[1] for f in padded) + max(f[3] for f in padded)) / 2)
    elif centre is not None:
        ideal = (float(centre[0]), float(centre[1]))
    else:
        ideal = (width / 2, height * 0.45)  # people and horizons sit a little above the middle
    xs = _positions(width, crop_w, [(f[0], f[2]) for f in tight + padded], ideal[0])
    ys = _positions(height, crop_h, [(f[1], f[3]) for f in tight + padded], ideal[1])
    best, best_score = None, None
    for x in xs:
        for y in ys:
            box = (x, y, x + crop_w, y + crop_h)
            kept = 0.0
            for face, pad in zip(tight, padded):
                if _inside(box, face):
                    kept += (face[2] - face[0]) * (face[3] - face[1]) * (1.0 if _inside(box, pad) else 0.6)
                elif not _apart(box, face):
                    break
            else:
                score = (kept, -math.hypot(x + crop_w / 2 - ideal[0], y + crop_h / 2 - ideal[1]))
                if best_score is None or score > best_score:
                    best, best_score = box, score
    return best


def fill(image, size, faces, zoom=1.0):
    """`image` filling `size` exactly: a face-safe crop, or when none exists the whole picture
    over a blurred, dimmed copy of itself. Returns (picture, crop box or None)."""
    width, height = size
    box = face_safe_crop(image.width, image.height, width / height, faces, zoom)
    if box is not None:
        return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0), box
    return contain(image, size), None


def contain(image, size):
    width, height = size
    cover = face_safe_crop(image.width, image.height, width / height, []) or (0, 0, image.width, image.height)
    small = image.resize((max(1, width // 8), max(1, height // 8)), Image.Resampling.BILINEAR, box=cover)
    background = small.filter(ImageFilter.GaussianBlur(6)).resize(size, Image.Resampling.BILINEAR)
    background = Image.eval(background, lambda value: int(value * 0.7))
    scale = min(width / image.width, height / image.height)
    fitted_size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    fitted = image.resize(fitted_size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    background.paste(fitted, ((width - fitted.width) // 2, (height - fitted.height) // 2))
    return background
