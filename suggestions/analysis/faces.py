"""Find faces and compute their 128-d encodings with dlib, using face_recognition's models.

A face is a box and an encoding: nothing else (no age, gender, emotion or other trait) is
ever computed.

Why scan at SCAN_SIDE: dlib's HOG detector finds a face when its box is about 65-70 px or
more in the image it scans (every corpus face pasted at sizes from 50 to 90 px is found from
68 px up; some are lost below 64). A face 2% of the long side is kept when the long side is
scanned at 65 / 0.02 = 3250 px, whatever the photo's resolution: on eighteen generated party
scenes of 8, 12 and 16 MP (bench/analysis.py builds them), scanning 3250 px found every face
2% wide that the library's default finds, 3000 px lost one in fifteen. The default, a full-
resolution decode upsampled once, scans 6500 to 9200 px for 8-16 MP photos: 4-8 times the
pixels for the same faces. The scan needs real pixels: upscaled from a 2000-px decode, a
blurry face scored at the detector's threshold, so the pipeline decodes at the scan side.
Scanning grayscale costs a third less than RGB and finds the same faces from 68 px up.
Landmarks and encodings are computed on the colour decode.

Faces right at the limit score close to the detector's threshold, and where they fall
between two levels of its image pyramid decides on which side: one blurry corpus face at 2%
scored from -0.3 to +0.4 at every scan side from 3200 to 4800 px. So candidates scoring just
below the threshold get a second look: the region around them, scaled so the face is about
100 px, is searched again at three zooms, and the candidate is kept when the mean score is
positive enough. That found every 2% face of twelve generated group scenes and rejected all
the textures that also scored just below the threshold (bench/analysis.py counts them).

face_recognition's own import also loads its 68-point landmark model (about 100 MB per
process), which encodings do not use, so the models are loaded here directly from
face_recognition_models: the same detector, 5-point landmarks and ResNet encoder that
face_recognition.face_encodings uses by default.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .images import as_rgb

MIN_FACE_FRACTION = 0.02
MIN_FACE_PIXELS = 65
# Never scan more than the library's default would (one upsample of the full resolution).
MAX_UPSCALE = 2.0
# Encodings of the same person are closer than this (tuned on the corpus: the same person
# 0.25-0.44 apart, different people 0.69 or more).
SAME_PERSON_DISTANCE = 0.5
# Second look at near misses (see above).
WEAK_SCORE = -0.3
SECOND_LOOK_SIDES = (90, 100, 110)
SECOND_LOOK_SCORE = 0.05
ENCODING_DTYPE = np.dtype("<f4")
ENCODING_SIZE = 128


@dataclass(frozen=True)
class FoundFace:
    box: tuple  # (x, y, w, h) in the pixels of the image searched
    encoding: np.ndarray  # 128 float32


_models = None


def _load():
    global _models
    if _models is None:
        # dlib and its models cost about 100 MB: loaded only where faces are looked for.
        import dlib
        import face_recognition_models as fm

        _models = (
            dlib.get_frontal_face_detector(),
            dlib.shape_predictor(fm.pose_predictor_five_point_model_location()),
            dlib.face_recognition_model_v1(fm.face_recognition_model_location()),
        )
    return _models


def preload():
    """Load the models now (in a worker's parent process, so its children share them)."""
    _load()


def scan_limit(min_fraction=MIN_FACE_FRACTION):
    """The long side to scan so that faces `min_fraction` of the long side are found."""
    return round(MIN_FACE_PIXELS / min_fraction)


SCAN_SIDE = scan_limit()


def scan_side(native_long_side, min_fraction=MIN_FACE_FRACTION):
    return int(min(scan_limit(min_fraction), MAX_UPSCALE * native_long_side))


def find(image, native_long_side=None, min_fraction=MIN_FACE_FRACTION):
    """Faces in an RGB image, boxes in its pixels, biggest first.

    `native_long_side` is the long side of the original when `image` is a reduced decode;
    it caps the scan at what a full-resolution search with one upsample would scan. Faces
    smaller than `min_fraction` of the long side may be missed.
    """
    boxes = [_clamp(box, image) for box in detect(image, native_long_side, min_fraction)]
    boxes = [box for box in boxes if box[2] >= 4 and box[3] >= 4]
    boxes.sort(key=lambda box: box[2] * box[3], reverse=True)
    return [FoundFace(box, encoding) for box, encoding in zip(boxes, encode(image, boxes))]


def detect(image, native_long_side=None, min_fraction=MIN_FACE_FRACTION):
    """Face boxes (left, top, right, bottom) as floats in the image's pixels."""
    detector, _, _ = _load()
    long_side = max(image.size)
    scale = scan_side(native_long_side or long_side, min_fraction) / long_side
    gray = image.convert("L")
    scan = gray
    if abs(scale - 1) > 0.01:
        scan = gray.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.BILINEAR)
    pixels = np.asarray(scan)
    del scan
    rects, scores, _ = detector.run(pixels, 0, WEAK_SCORE)
    del pixels
    found = [(r.left() / scale, r.top() / scale, r.right() / scale, r.bottom() / scale) for r in rects]
    kept = [box for box, score in zip(found, scores) if score >= 0]
    for box, score in sorted(zip(found, scores), key=lambda pair: -pair[1]):
        if score < 0 and not any(_overlap(box, other) > 0.3 for other in kept) and _second_look(gray, box):
            kept.append(box)
    return kept


def _overlap(a, b):
    """Intersection over the smaller box's area."""
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return width * height / smaller if smaller > 0 else 0.0


def _second_look(gray, box):
    """Search the region around a near miss again, zoomed so the face is about 100 px."""
    detector, _, _ = _load()
    left, top, right, bottom = box
    side = max(right - left, bottom - top, 1.0)
    cx, cy, half = (left + right) / 2, (top + bottom) / 2, 1.6 * side
    region = gray.crop((round(cx - half), round(cy - half), round(cx + half), round(cy + half)))
    total = 0.0
    for target in SECOND_LOOK_SIDES:
        zoom = target / side
        zoomed = region.resize((max(1, round(region.width * zoom)), max(1, round(region.height * zoom))), Image.Resampling.BILINEAR)
        _, scores, _ = detector.run(np.asarray(zoomed), 0, -1.0)
        total += max(scores) if len(scores) else -1.0
    return total / len(SECOND_LOOK_SIDES) >= SECOND_LOOK_SCORE


def _clamp(box, image):
    left, top = max(0, round(box[0])), max(0, round(box[1]))
    right, bottom = min(image.width, round(box[2])), min(image.height, round(box[3]))
    return (left, top, right - left, bottom - top)


def encode(image, boxes):
    """The 128-d encodings of the faces in `boxes` (x, y, w, h) of an RGB image.

    Each face is encoded from a region around it rather than from the whole picture, which
    spares converting a 12-MP image to an array for a few 150-px face chips.
    """
    if not boxes:
        return []
    import dlib  # loaded only where faces are looked for (see _load)

    _, predictor, encoder = _load()
    encodings = []
    for x, y, w, h in boxes:
        margin = max(w, h)
        left, top = max(0, x - margin), max(0, y - margin)
        region = image.crop((left, top, min(image.width, x + w + margin), min(image.height, y + h + margin)))
        pixels = np.asarray(as_rgb(region))
        box = dlib.rectangle(x - left, y - top, x - left + w, y - top + h)
        shape = predictor(pixels, box)
        encodings.append(np.asarray(encoder.compute_face_descriptor(pixels, shape), dtype=ENCODING_DTYPE))
    return encodings


def to_bytes(encoding):
    return np.asarray(encoding, dtype=ENCODING_DTYPE).tobytes()


def from_bytes(data):
    return np.frombuffer(bytes(data), dtype=ENCODING_DTYPE)


def matrix(encodings):
    """Stack encodings (arrays or stored bytes) into an n × 128 array."""
    rows = [from_bytes(e) if isinstance(e, (bytes, bytearray, memoryview)) else e for e in encodings]
    return np.vstack(rows) if rows else np.zeros((0, ENCODING_SIZE), dtype=ENCODING_DTYPE)


def distances(known, encoding):
    """Distances from one encoding to each row of `known`."""
    if len(known) == 0:
        return np.zeros(0)
    return np.linalg.norm(known - encoding, axis=1)


def cluster(encodings, threshold=SAME_PERSON_DISTANCE):
    """Chinese-whispers labels (one int per encoding): faces closer than `threshold` link."""
    if len(encodings) == 0:
        return []
    import dlib  # loaded only where faces are grouped (see _load)

    vectors = [dlib.vector(row.astype(float).tolist()) for row in matrix(encodings)]
    return list(dlib.chinese_whispers_clustering(vectors, threshold))


def distinct(found, threshold=SAME_PERSON_DISTANCE):
    """Keep one face per person among faces found in several frames (the biggest box)."""
    kept = []
    for face in sorted(found, key=lambda f: f.box[2] * f.box[3], reverse=True):
        if not kept or distances(matrix([k.encoding for k in kept]), face.encoding).min() >= threshold:
            kept.append(face)
    return kept


def crop(image, box, side=160, margin=0.35):
    """A square crop around a face box, for showing who a person is."""
    x, y, w, h = box
    size = max(w, h) * (1 + 2 * margin)
    cx, cy = x + w / 2, y + h / 2
    left, top = max(0, round(cx - size / 2)), max(0, round(cy - size / 2))
    right, bottom = min(image.width, round(cx + size / 2)), min(image.height, round(cy + size / 2))
    if right <= left or bottom <= top:
        raise ValueError("the face box lies outside the picture")
    face = image.crop((left, top, right, bottom))
    face.thumbnail((side, side), Image.Resampling.LANCZOS)
    return face
