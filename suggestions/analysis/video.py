"""MP4 and MOV videos through PyAV (FFmpeg): size, duration, creation time, QuickTime GPS and
a few frames (a poster and samples to look for faces), each read only under its scope.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timezone

import av
from PIL import Image

from . import UnreadableMedia
from .metadata import CaptureTime

POSTER_SECONDS = 1.0
EARLIEST_YEAR = 1971  # zero dates (1904 or 1970 epochs) mean "not set"
_LOCATION_KEYS = ("com.apple.quicktime.location.ISO6709", "location", "location-eng")
_ISO6709 = re.compile(r"^\s*([+-]\d{1,2}(?:\.\d+)?)([+-]\d{1,3}(?:\.\d+)?)")
_UNREADABLE = "The video cannot be read: it is damaged, incomplete or in a format rollweb does not support."
_ERRORS = (av.FFmpegError, OSError, ValueError, IndexError, StopIteration, RuntimeError)


@dataclass(frozen=True)
class VideoInfo:
    width: int  # as displayed, rotation applied
    height: int
    duration_s: float
    rotation: int  # degrees counter-clockwise to display the stored frames
    tags: dict


def open_video(fp):
    try:
        container = av.open(fp, mode="r")
    except _ERRORS:
        raise UnreadableMedia(_UNREADABLE) from None
    if not container.streams.video:
        container.close()
        raise UnreadableMedia("The file has no video track.")
    return container


def _stream(container):
    return container.streams.video[0]


def _first_frame(container, seconds=0.0):
    stream = _stream(container)
    if seconds > 0 and stream.time_base:
        container.seek(int(seconds / stream.time_base), stream=stream, backward=True)
    else:
        container.seek(0)
    try:
        return next(container.decode(stream))
    except StopIteration:
        if seconds > 0:
            return _first_frame(container, 0.0)
        raise


def probe(container, max_pixels):
    """Size, duration and tags of an open container; raises UnreadableMedia."""
    stream = _stream(container)
    try:
        width, height = stream.codec_context.width, stream.codec_context.height
        tracks = [float(s.duration * s.time_base) for s in container.streams if s.duration and s.time_base]
        duration = max(tracks) if tracks else (container.duration or 0) / av.time_base
        rotation = _first_frame(container).rotation or 0
    except _ERRORS:
        raise UnreadableMedia(_UNREADABLE) from None
    if width <= 0 or height <= 0:
        raise UnreadableMedia(_UNREADABLE)
    if width * height > max_pixels:
        raise UnreadableMedia(f"The video's frames are larger than rollweb processes safely ({max_pixels / 1e6:,.0f} megapixels).")
    rotation = int(round(rotation / 90.0)) * 90 % 360
    if rotation in (90, 270):
        width, height = height, width
    tags = {**dict(stream.metadata), **dict(container.metadata)}
    return VideoInfo(width=width, height=height, duration_s=round(max(0.0, duration), 3), rotation=rotation, tags=tags)


def _upright(image, rotation):
    turn = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}.get(rotation)
    return image.transpose(turn) if turn is not None else image


def frame_at(container, info, seconds, max_side):
    """The key frame at or before `seconds`, upright, no larger than max_side."""
    try:
        frame = _first_frame(container, seconds)
        scale = min(1.0, max_side / max(frame.width, frame.height))
        image = frame.to_image(width=max(2, round(frame.width * scale)), height=max(2, round(frame.height * scale)))
    except _ERRORS:
        raise UnreadableMedia(_UNREADABLE) from None
    return _upright(image.convert("RGB"), info.rotation)


def poster_seconds(duration):
    return min(POSTER_SECONDS, duration * 0.1)


def sample_seconds(duration, count):
    """Evenly spread moments, avoiding the first and last instants."""
    if duration <= 0:
        return [0.0]
    return [duration * (index + 0.5) / count for index in range(count)]


def _parse_time(text):
    text = (text or "").strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.strptime(text[:24], "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return None
    return parsed if parsed.year >= EARLIEST_YEAR else None


def capture_time(tags):
    """When the video was recorded. Apple's creation date carries the local time and offset;
    the generic creation_time is UTC, whose local offset is unknown, so it is kept as a wall
    clock without offset, like an EXIF time without OffsetTime."""
    apple = _parse_time(tags.get("com.apple.quicktime.creationdate"))
    if apple is not None and apple.tzinfo is not None:
        offset = int(apple.utcoffset().total_seconds() // 60)
        return CaptureTime(local=apple.replace(tzinfo=None, microsecond=0), offset_minutes=offset)
    generic = _parse_time(tags.get("creation_time"))
    if generic is None:
        return None
    if generic.tzinfo is not None:
        generic = generic.astimezone(timezone.utc)
    return CaptureTime(local=generic.replace(tzinfo=None, microsecond=0), offset_minutes=None)


def gps(tags):
    """(latitude, longitude) from QuickTime's ISO 6709 location (©xyz), or None."""
    for key in _LOCATION_KEYS:
        match = _ISO6709.match(tags.get(key) or "")
        if match:
            lat, lon = float(match.group(1)), float(match.group(2))
            if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0, 0):
                return lat, lon
    return None
