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

from consent import scopes

from .analysis import images, metadata
from .models import MediaItem, derived_key
from .storage import delete_files, save_bytes


class MediaSource:
    """Opens an item's original once and caches what several stages read from it."""

    def __init__(self, item):
        self.item = item
        self._file = None
        self._image = None
        self._decoded = None
        self._exif = None

    def image(self):
        if self._image is None:
            self._file = default_storage.open(self.item.original.name, "rb")
            self._image = images.open_image(self._file, settings.MAX_IMAGE_PIXELS)
        return self._image

    def exif(self):
        if self._exif is None:
            self._exif = metadata.read_exif(self.image())
        return self._exif

    def decoded(self):
        """The picture as displayed (orientation applied), at most DECODE_SIDE on its long side."""
        if self._decoded is None:
            image = self.image()
            self.exif()  # read before decoding: a draft decode may drop the parsed tags
            self._decoded = images.decode(image, images.DECODE_SIDE)
        return self._decoded

    def close(self):
        if self._file is not None:
            self._file.close()


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


def compute_display(source):
    head = images.header(source.image())
    picture = source.decoded()
    return Display(
        width=head.width,
        height=head.height,
        small=images.jpeg_bytes(picture, images.THUMB_SMALL, quality=78),
        large=images.jpeg_bytes(picture, images.THUMB_LARGE, quality=82),
    )


def write_display(item, result):
    old = [item.thumb_small.name, item.thumb_large.name]
    small = save_bytes(derived_key(item.owner_id, "thumbs", "jpg"), result.small)
    large = save_bytes(derived_key(item.owner_id, "thumbs", "jpg"), result.large)
    MediaItem.objects.filter(pk=item.pk).update(
        width=result.width, height=result.height, thumb_small=small, thumb_large=large
    )
    delete_files(old)
    item.width, item.height = result.width, result.height
    item.thumb_small.name, item.thumb_large.name = small, large
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


PHOTO = (MediaItem.Kind.PHOTO,)

STAGES = [
    Stage("display", "Previews", scopes.LIBRARY, PHOTO, compute_display, write_display),
    Stage("capture_time", "Capture time", scopes.TIME, PHOTO, compute_capture, write_capture),
    Stage("gps", "GPS coordinates", scopes.LOCATION, PHOTO, compute_gps, write_gps),
]


def stages_for(kind):
    return [stage for stage in STAGES if kind in stage.kinds]
