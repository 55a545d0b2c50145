"""Picture measures for choosing and grouping photos: quality, a perceptual hash, dominant
colours and simple scene signals. Everything is computed from pixels and camera settings;
nothing here looks at faces.
"""

from dataclasses import dataclass
from datetime import date

import imagehash
import numpy as np
from PIL import Image

from .images import THUMB_LARGE, shrink

# Sharpness is measured at one working size so photos of any resolution compare: the large
# preview's, so the pipeline measures the preview it already made instead of resizing again.
SHARPNESS_SIDE = THUMB_LARGE
COLOUR_SIDE = 256
DOMINANT_COLOURS = 5
# Near-identical frames: perceptual hashes at most this many bits apart (of 64) ...
BURST_HASH_BITS = 8
# ... taken at most this many seconds apart, when both times are known.
BURST_SECONDS = 120

EXIF_IFD = 0x8769
EXPOSURE_TIME, ISO, FLASH = 0x829A, 0x8827, 0x9209
TROPIC_LATITUDE = 23.44
SEASON_NAMES = ("winter", "spring", "summer", "autumn")


@dataclass(frozen=True)
class Themes:
    quality: float  # 0-1
    sharpness: float  # variance of the Laplacian at SHARPNESS_SIDE
    exposure: float  # mean luminance, 0-1
    colourfulness: float  # Hasler and Süsstrunk's M
    phash: str  # 16 hex digits
    night: bool
    indoor: bool | None  # None when the light does not tell
    colours: list  # dominant colours, "#rrggbb", most common first


def _luminance(rgb):
    return (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]) / 255.0


def sharpness(gray):
    """Variance of the 4-neighbour Laplacian of a grayscale array (0-255)."""
    g = gray.astype(np.float32)
    lap = g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4 * g[1:-1, 1:-1]
    return float(lap.var()) if lap.size else 0.0


def colourfulness(rgb):
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def dominant_colours(image, count=DOMINANT_COLOURS):
    small = image.resize((64, 64), Image.Resampling.BILINEAR)
    palette_image = small.quantize(colors=count, method=Image.Quantize.MEDIANCUT)
    palette = palette_image.getpalette()
    ranked = sorted(palette_image.getcolors(), reverse=True)
    return ["#{:02x}{:02x}{:02x}".format(*palette[index * 3 : index * 3 + 3]) for _, index in ranked]


def _camera_settings(exif):
    """(exposure time in s, ISO, flash fired) from EXIF, each None when unknown."""
    try:
        sub = exif.get_ifd(EXIF_IFD) if exif else {}
    except Exception:
        sub = {}

    def number(tag):
        try:
            value = sub.get(tag)
            if isinstance(value, (tuple, list)):
                value = value[0]
            return float(value) if value is not None else None
        except (TypeError, ValueError, ZeroDivisionError):
            return None

    flash = number(FLASH)
    return number(EXPOSURE_TIME), number(ISO), (int(flash) & 1 == 1) if flash is not None else None


def scene(rgb, exif=None):
    """(night, indoor) from pixels and camera settings; indoor is None when unclear."""
    lum = _luminance(rgb)
    mean, median = float(lum.mean()), float(np.median(lum))
    exposure_time, iso, flash = _camera_settings(exif)
    long_exposure = (exposure_time or 0) >= 1 / 30 or (iso or 0) >= 1600
    night = mean < 0.22 and median < 0.18 and (long_exposure or exposure_time is None)
    top = rgb[: max(1, rgb.shape[0] // 4)].astype(np.int16)
    r, g, b = top[..., 0], top[..., 1], top[..., 2]
    sky = ((b > r + 12) & (b >= g) & (b > 110)) | ((r > 200) & (g > 200) & (b > 200))
    sky_fraction = float(sky.mean())
    warm = float(rgb[..., 0].mean() + 1) / float(rgb[..., 2].mean() + 1)
    if night:
        indoor = None
    elif flash or (sky_fraction < 0.08 and warm > 1.25 and mean < 0.5):
        indoor = True
    elif sky_fraction > 0.3 and mean > 0.35:
        indoor = False
    else:
        indoor = None
    return night, indoor


def quality_score(sharp, exposure, colour):
    sharp_score = min(1.0, np.log10(1 + sharp) / 3)
    exposure_score = max(0.0, 1 - abs(exposure - 0.5) / 0.5)
    colour_score = min(1.0, colour / 80)
    return round(float(0.55 * sharp_score + 0.3 * exposure_score + 0.15 * colour_score), 4)


def working_copy(image):
    """The size every measure works at (sharpness compares photos of any resolution at it)."""
    return shrink(image, SHARPNESS_SIDE, Image.Resampling.BILINEAR)


def measure(image, exif=None):
    """Themes of an RGB image (any size; a reduced decode is enough)."""
    work = working_copy(image)
    sharp = sharpness(np.asarray(work.convert("L")))
    small = shrink(work, COLOUR_SIDE, Image.Resampling.BILINEAR)
    rgb = np.asarray(small)
    exposure = float(_luminance(rgb).mean())
    colour = colourfulness(rgb)
    night, indoor = scene(rgb, exif)
    return Themes(
        quality=quality_score(sharp, exposure, colour),
        sharpness=round(sharp, 2),
        exposure=round(exposure, 4),
        colourfulness=round(colour, 2),
        phash=str(imagehash.phash(small)),
        night=night,
        indoor=indoor,
        colours=dominant_colours(small),
    )


def hash_distance(a, b):
    """Bits that differ between two perceptual hashes (hex strings)."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def same_moment(hash_a, hash_b, time_a=None, time_b=None):
    """Whether two photos are near-identical frames of one moment (a burst or a duplicate)."""
    if not hash_a or not hash_b or hash_distance(hash_a, hash_b) > BURST_HASH_BITS:
        return False
    if time_a is not None and time_b is not None:
        return abs((time_a - time_b).total_seconds()) <= BURST_SECONDS
    return True


def season(day, latitude):
    """Meteorological season at a date and latitude; "" in the tropics or when either is unknown."""
    if day is None or latitude is None or abs(latitude) < TROPIC_LATITUDE:
        return ""
    if not isinstance(day, date):
        return ""
    return SEASON_NAMES[season_index(day.month, southern=latitude < 0)]


def season_index(month, southern=False):
    """Index into SEASON_NAMES of a month's meteorological season (December counts with winter)."""
    return ((month % 12) // 3 + (2 if southern else 0)) % 4
