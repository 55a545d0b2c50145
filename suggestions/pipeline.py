"""The analysis stages, in the order they run, each under one consent scope.

A stage has two halves. `compute(source)` does the slow work without touching the database
and may raise UnreadableMedia. `write(item, result)` stores the result; it runs inside
consent.services.scope_guard, so it happens only while the scope is still in force, and
returns a plain-language line for the item's processing record.
"""

from dataclasses import dataclass
from datetime import timedelta, timezone as dt_timezone
from typing import Callable

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from consent import scopes

from .analysis import enhance, faces, images, location, metadata, saliency, themes, video
from .generators.text import join_words
from .models import MediaItem, derived_key
from .storage import delete_files, save_bytes


class MediaSource:
    """Opens an item's original once and caches what several stages read from it.

    `side` is the long side the stages will need: decode_side() when faces are looked for,
    far less otherwise (a decode's cost grows with its pixels)."""

    def __init__(self, item, side=None):
        self.item = item
        self.side = side or decode_side()
        self._file = None
        self._image = None
        self._decoded = None
        self._preview = None
        self._exif = None
        self._video = None
        self._header = None

    def image(self):
        if self._image is None:
            self._file = default_storage.open(self.item.original.name, "rb")
            self._image = images.open_image(self._file, settings.MAX_IMAGE_PIXELS)
            self._header = images.header(self._image)
        return self._image

    def header(self):
        """The original's format and displayed size (read before a draft decode shrinks the image)."""
        self.image()
        return self._header

    def exif(self):
        if self._exif is None:
            self._exif = metadata.read_exif(self.image())
        return self._exif

    def decoded(self, side=None):
        """The picture as displayed (orientation applied), `side` (default: self.side) or more on
        its long side when the original is that large, but less than twice that (a draft decode's
        size). A stage needing more than was decoded (faces granted mid-run) gets a new decode."""
        side = side or self.side
        head = self.header()
        if self._decoded is not None and max(self._decoded.size) < min(side, max(head.width, head.height)):
            self._decoded = None
            self._file.close()
            self._file = self._image = None
        if self._decoded is None:
            image = self.image()
            self.exif()  # read before decoding: a draft decode may drop the parsed tags
            self._decoded = images.decode(image, max(side, self.side), exact=False)
            self.side = max(side, self.side)
            if self._decoded is not image:
                image.close()  # its pixels were turned or converted into the decode: free them
        return self._decoded

    def preview(self):
        """The large preview's pixels (THUMB_LARGE on the long side), made once for every stage
        that works at preview size or less."""
        if self._preview is None:
            self._preview = images.preview(self.decoded())
        return self._preview

    def video(self):
        """(open container, VideoInfo) of a video item."""
        if self._video is None:
            self._file = default_storage.open(self.item.original.name, "rb")
            container = video.open_video(self._file)
            try:
                self._video = (container, video.probe(container, settings.MAX_IMAGE_PIXELS))
            except Exception:
                container.close()
                raise
        return self._video

    def close(self):
        if self._video is not None:
            self._video[0].close()
        if self._file is not None:
            self._file.close()


def decode_side():
    """One decode serves every stage; faces need the most pixels (see analysis.faces)."""
    return max(images.THUMB_LARGE, faces.scan_limit(settings.FACE_MIN_FRACTION))


def source_for(item, grants):
    """A MediaSource that decodes only as many pixels as the stages in force need."""
    return MediaSource(item, decode_side() if scopes.FACES in grants else images.THUMB_LARGE)


@dataclass(frozen=True)
class Stage:
    name: str
    title: str
    scope: str
    kinds: tuple
    compute: Callable
    write: Callable


# -- display (library) ---------------------------------------------------------------------


@dataclass
class Display:
    width: int
    height: int
    small: bytes
    large: bytes
    duration_s: float | None = None


def compute_display(source):
    head = source.header()
    large = source.preview()
    return Display(
        width=head.width,
        height=head.height,
        small=images.jpeg_bytes(large, images.THUMB_SMALL, quality=78),
        large=images.jpeg_bytes(large, quality=82),
    )


def write_display(item, result):
    old = [item.thumb_small.name, item.thumb_large.name]
    small = save_bytes(derived_key(item.owner_id, "thumbs", "jpg"), result.small)
    large = save_bytes(derived_key(item.owner_id, "thumbs", "jpg"), result.large)
    MediaItem.objects.filter(pk=item.pk).update(
        width=result.width, height=result.height, thumb_small=small, thumb_large=large, duration_s=result.duration_s
    )
    transaction.on_commit(lambda: delete_files(old))
    item.width, item.height, item.duration_s = result.width, result.height, result.duration_s
    item.thumb_small.name, item.thumb_large.name = small, large
    if result.duration_s is not None:
        return (
            f"Checked the video ({result.width} × {result.height}, {result.duration_s:.1f} s) and made two previews "
            f"from a frame near its start."
        )
    return (
        f"Checked the picture ({result.width} × {result.height} as displayed) and made two previews "
        f"({images.THUMB_SMALL} and {images.THUMB_LARGE} px)."
    )


# -- capture time (time) -------------------------------------------------------------------


@dataclass
class Capture:
    time: metadata.CaptureTime | None
    camera: str


def compute_capture(source):
    exif = source.exif()
    return Capture(time=metadata.capture_time(exif), camera=metadata.camera(exif))


def capture_instant(capture):
    """The instant to store: exact when the camera's offset is known, else its wall clock as UTC."""
    return capture.local.replace(tzinfo=dt_timezone(timedelta(minutes=capture.offset_minutes or 0)))


def write_capture(item, result):
    if result.time is None:
        # A file without a capture time keeps the one its device sent at upload, if any.
        MediaItem.objects.filter(pk=item.pk).update(camera=result.camera)
        item.camera = result.camera
        if item.captured_at is not None:
            return "Looked for a capture date and time: this file has none, so the one your device sent is kept."
        return "Looked for a capture date and time: this file has none."
    captured_at = capture_instant(result.time)
    offset = result.time.offset_minutes
    MediaItem.objects.filter(pk=item.pk).update(
        captured_at=captured_at, captured_offset=offset, camera=result.camera
    )
    item.captured_at, item.captured_offset, item.camera = captured_at, offset, result.camera
    when = result.time.local.strftime("%d %b %Y, %H:%M:%S")
    zone = " (camera's UTC offset unknown)" if offset is None else ""
    camera = f", camera {result.camera}" if result.camera else ""
    return f"Read the capture time: {when}{zone}{camera}."


# -- GPS (location) ------------------------------------------------------------------------


def compute_gps(source):
    return metadata.gps(source.exif())


def write_gps(item, result):
    lat, lon = result if result else (None, None)
    MediaItem.objects.filter(pk=item.pk).update(latitude=lat, longitude=lon)
    item.latitude, item.longitude = lat, lon
    if result is None:
        return "Looked for GPS coordinates: this file has none."
    return f"Read GPS coordinates ({lat:.5f}, {lon:.5f})."


# -- videos: previews, time and GPS from the container --------------------------------------


def compute_video_display(source):
    container, info = source.video()
    poster = video.frame_at(container, info, video.poster_seconds(info.duration_s), images.THUMB_LARGE)
    return Display(
        width=info.width,
        height=info.height,
        small=images.jpeg_bytes(poster, images.THUMB_SMALL, quality=78),
        large=images.jpeg_bytes(poster, quality=82),
        duration_s=info.duration_s,
    )


def compute_video_capture(source):
    tags = source.video()[1].tags
    camera = metadata.camera_name(tags.get("com.apple.quicktime.make", ""), tags.get("com.apple.quicktime.model", ""))
    return Capture(time=video.capture_time(tags), camera=camera)


def compute_video_gps(source):
    return video.gps(source.video()[1].tags)


# -- places (location) -----------------------------------------------------------------------


@dataclass
class PlaceResult:
    located: bool
    place: location.Place | None


def compute_places(source):
    item = source.item
    if not item.has_location:
        return PlaceResult(located=False, place=None)
    return PlaceResult(located=True, place=location.place_of(item.latitude, item.longitude))


def write_places(item, result):
    from .home import home_refresh

    place = result.place
    fields = dict(place=place.place, region=place.region, country_code=place.country_code) if place else dict(
        place="", region="", country_code=""
    )
    MediaItem.objects.filter(pk=item.pk).update(**fields)
    for key, value in fields.items():
        setattr(item, key, value)
    home_refresh(item.owner_id)
    if not result.located:
        return "Looked for a place: there are no GPS coordinates to look up."
    if place is None:
        return f"Looked up the place offline: no town within {location.MAX_DISTANCE_KM} km of the coordinates."
    return f"Looked up the place offline: {place}."


# -- themes ----------------------------------------------------------------------------------


@dataclass
class ThemesResult:
    measures: themes.Themes
    enhancement: enhance.Enhancement | None
    subject: tuple


def compute_themes(source):
    # Every measure works on one reduced copy, made from the preview rather than the decode.
    work = themes.working_copy(source.preview())
    return ThemesResult(
        measures=themes.measure(work, source.exif()),
        enhancement=enhance.enhancement_plan(work),
        subject=saliency.subject_box(work),
    )


def write_themes(item, themes_result):
    from .bursts import burst_assign

    result, plan = themes_result.measures, themes_result.enhancement
    fields = dict(
        quality=result.quality, sharpness=result.sharpness, exposure=result.exposure,
        colourfulness=result.colourfulness, phash=result.phash, night=result.night, indoor=result.indoor,
        colours=result.colours, enhancement=plan.as_json() if plan else None,
        subject=[round(value, 4) for value in themes_result.subject],
    )
    MediaItem.objects.filter(pk=item.pk).update(**fields)
    for key, value in fields.items():
        setattr(item, key, value)
    group = burst_assign(item)
    scene = ", ".join(
        word for word, on in (("night", result.night), ("indoor light", result.indoor), ("daylight outdoors", result.indoor is False)) if on
    )
    detail = f"Measured sharpness, exposure and colours (quality {result.quality:.0%}){f'; looks like {scene}' if scene else ''}."
    if group > 1:
        best = "the best shot" if item.best_shot else "not the best shot"
        detail += f" One of {group} near-identical frames of a moment, {best}."
    if plan:
        detail += f" An automatic edit would make it {join_words(plan.corrections)}."
    return detail


# -- faces -------------------------------------------------------------------------------------


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
    from .people import faces_store

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


PHOTO = (MediaItem.Kind.PHOTO,)
VIDEO = (MediaItem.Kind.VIDEO,)
BOTH = PHOTO + VIDEO

STAGES = [
    Stage("display", "Previews", scopes.LIBRARY, PHOTO, compute_display, write_display),
    Stage("display", "Previews", scopes.LIBRARY, VIDEO, compute_video_display, write_display),
    Stage("capture_time", "Capture time", scopes.TIME, PHOTO, compute_capture, write_capture),
    Stage("capture_time", "Capture time", scopes.TIME, VIDEO, compute_video_capture, write_capture),
    Stage("gps", "GPS coordinates", scopes.LOCATION, PHOTO, compute_gps, write_gps),
    Stage("gps", "GPS coordinates", scopes.LOCATION, VIDEO, compute_video_gps, write_gps),
    Stage("places", "Places", scopes.LOCATION, BOTH, compute_places, write_places),
    Stage("themes", "Quality and bursts", scopes.THEMES, PHOTO, compute_themes, write_themes),
    Stage("faces", "Faces and people", scopes.FACES, PHOTO, compute_faces, write_faces),
    Stage("faces", "Faces and people", scopes.FACES, VIDEO, compute_video_faces, write_faces),
]


def stage_title(name):
    return next((stage.title for stage in STAGES if stage.name == name), name.replace("_", " ").capitalize())


def stages_for(kind, scope=None):
    return [stage for stage in STAGES if kind in stage.kinds and scope in (None, stage.scope)]
