"""The faces stage: detect faces, encode them and group them into people. Registered by `people`
at start-up, after the library's own stages."""

from dataclasses import dataclass

from django.conf import settings

from consent import scopes

from ..analysis import faces, images, video
from ..library.source import decode_side
from ..library.registry import ANALYSIS, Stage
from ..models import MediaItem
from .services import faces_store


@dataclass
class FaceResult:
    box: tuple  # (x, y, w, h) in displayed pixels
    encoding: object
    crop: bytes | None = None  # kept for faces found in video frames


def _to_displayed(box, scale):
    return tuple(int(round(value * scale)) for value in box)


def compute_faces(source):
    head = source.header()
    picture = source.decoded(decode_side())
    native = max(head.width, head.height)
    scale = native / max(picture.size)
    found = faces.find(picture, native, settings.FACE_MIN_FRACTION)
    return [FaceResult(_to_displayed(f.box, scale), f.encoding) for f in found]


VIDEO_FACE_FRAMES = 4


def compute_video_faces(source):
    container, info = source.video()
    native = max(info.width, info.height)
    found = []
    for seconds in video.sample_seconds(info.duration_s, VIDEO_FACE_FRAMES):
        frame = video.frame_at(container, info, seconds, decode_side())
        scale = native / max(frame.size)
        for face in faces.find(frame, native, settings.FACE_MIN_FRACTION):
            crop = images.jpeg_bytes(faces.crop(frame, face.box), quality=85)
            found.append((face, scale, crop))
    kept = {id(face) for face in faces.distinct([face for face, _, _ in found])}
    return [FaceResult(_to_displayed(f.box, scale), f.encoding, crop) for f, scale, crop in found if id(f) in kept]


def write_faces(item, result):
    stored = faces_store(item, result)
    if not stored:
        return "Looked for faces: found none."
    known = sum(1 for face in stored if face.person_id)
    where = " in frames sampled across the video" if item.kind == MediaItem.Kind.VIDEO else ""
    faces_word = "face" if len(stored) == 1 else "faces"
    return (
        f"Found {len(stored)} {faces_word}{where}; {known} grouped with people, "
        f"{len(stored) - known} not recognised yet."
    )


STAGES = [
    Stage("faces", "Faces and people", scopes.FACES, (MediaItem.Kind.PHOTO,), compute_faces, write_faces, ANALYSIS),
    Stage("faces", "Faces and people", scopes.FACES, (MediaItem.Kind.VIDEO,), compute_video_faces, write_faces, ANALYSIS),
]
