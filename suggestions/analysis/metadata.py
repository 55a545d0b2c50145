"""Capture time, camera and GPS from EXIF. Each reader is called only under its scope."""

import warnings
from dataclasses import dataclass
from datetime import datetime

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
MAKE, MODEL, DATETIME = 0x010F, 0x0110, 0x0132
DATETIME_ORIGINAL, DATETIME_DIGITIZED = 0x9003, 0x9004
OFFSET_TIME, OFFSET_TIME_ORIGINAL, OFFSET_TIME_DIGITIZED = 0x9010, 0x9011, 0x9012

EARLIEST_YEAR = 1900


@dataclass(frozen=True)
class CaptureTime:
    local: datetime  # naive: the camera's wall clock
    offset_minutes: int | None  # east of UTC, when the camera recorded it


def read_exif(image):
    """The image's EXIF, or an empty mapping when it is missing or malformed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # one per bad tag: a log flood
            exif = image.getexif()
            exif.get_ifd(EXIF_IFD)
        return exif
    except Exception:
        return {}


def _ifd(exif, tag):
    try:
        return exif.get_ifd(tag) or {}
    except Exception:
        return {}


def _text(value):
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).replace("\x00", "").strip() if value is not None else ""


def parse_exif_datetime(value):
    text = _text(value)[:19]
    try:
        parsed = datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if parsed.year < EARLIEST_YEAR:
        return None
    return parsed


def parse_offset(value):
    """'+01:00' → 60; None for anything else."""
    text = _text(value)
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes >= 60:
        return None
    sign = -1 if text[0] == "-" else 1
    return sign * (hours * 60 + minutes)


def capture_time(exif):
    if not exif:
        return None
    sub = _ifd(exif, EXIF_IFD)
    for stamp_tag, offset_tag, source in (
        (DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL, sub),
        (DATETIME_DIGITIZED, OFFSET_TIME_DIGITIZED, sub),
        (DATETIME, OFFSET_TIME, exif),
    ):
        local = parse_exif_datetime(source.get(stamp_tag))
        if local is not None:
            # Every offset tag lives in the Exif sub-IFD, whichever IFD held the time.
            return CaptureTime(local=local, offset_minutes=parse_offset(sub.get(offset_tag)))
    return None


def camera(exif):
    if not exif:
        return ""
    return camera_name(_text(exif.get(MAKE)), _text(exif.get(MODEL)))


def camera_name(make, model):
    """'Canon' + 'Canon EOS 40D' → 'Canon EOS 40D'; 'Apple' + 'iPhone 6' → 'Apple iPhone 6'."""
    if make and model.lower().startswith(make.split()[0].lower()):
        return model[:200]
    return " ".join(part for part in (make, model) if part)[:200]


def _degrees(value):
    degrees, minutes, seconds = (float(part) for part in value)
    return degrees + minutes / 60 + seconds / 3600


def gps(exif):
    """(latitude, longitude) in degrees, or None when absent, malformed or (0, 0)."""
    if not exif:
        return None
    info = _ifd(exif, GPS_IFD)
    try:
        lat, lon = _degrees(info[2]), _degrees(info[4])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if _text(info.get(1)).upper() == "S":
        lat = -lat
    if _text(info.get(3)).upper() == "W":
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon
