"""Open, decode and thumbnail photos safely: bounded pixels, reduced-scale decoding."""

import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, UnidentifiedImageError

from . import UnreadableMedia

pillow_heif.register_heif_opener()

READABLE_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}
ROTATED_ORIENTATIONS = {5, 6, 7, 8}
ORIENTATION_TAG = 0x0112

# decode()'s default size. The pipeline decodes once for every stage at its own, larger size
# (library.source.decode_side(): what faces 2% of the long side need, see analysis.faces).
DECODE_SIDE = 1600
THUMB_SMALL = 400
THUMB_LARGE = 1280

_DAMAGED = "The image data is damaged or incomplete, so the picture cannot be shown."


@dataclass(frozen=True)
class Header:
    format: str
    width: int  # as displayed, orientation applied
    height: int
    orientation: int


def open_image(fp, max_pixels):
    """Open an image lazily (header only), refusing unreadable files and decompression bombs."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # one per bad EXIF tag: a log flood
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(fp)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UnreadableMedia(_too_many_pixels(max_pixels)) from None
    except UnidentifiedImageError:
        raise UnreadableMedia("The file is not a photo rollweb can read.") from None
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError):
        raise UnreadableMedia(_DAMAGED) from None
    if image.format not in READABLE_FORMATS:
        raise UnreadableMedia(f"{image.format} images are not supported.")
    width, height = image.size
    if width <= 0 or height <= 0:
        raise UnreadableMedia(_DAMAGED)
    if width * height > max_pixels:
        raise UnreadableMedia(_too_many_pixels(max_pixels))
    return image


def _too_many_pixels(max_pixels):
    return f"The image has more pixels than rollweb processes safely (the limit is {max_pixels / 1e6:,.0f} megapixels)."


def orientation(image):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            value = int(image.getexif().get(ORIENTATION_TAG, 1))
    except Exception:  # malformed EXIF is ignored, never fatal
        return 1
    return value if 1 <= value <= 8 else 1


def header(image):
    width, height = image.size
    turn = orientation(image)
    if turn in ROTATED_ORIENTATIONS:
        width, height = height, width
    return Header(format=image.format, width=width, height=height, orientation=turn)


def decode(image, max_side=DECODE_SIDE, exact=True):
    """Decode to an RGB image, orientation applied, no larger than max_side on its long side.

    JPEGs are decoded at 1/2, 1/4 or 1/8 scale when that still covers max_side, which is
    several times faster and smaller than a full decode. With exact=False that reduced decode
    is kept as it is (less than twice max_side) instead of being resized down to max_side.
    """
    turn = orientation(image)
    width, height = image.size
    scale = min(1.0, max_side / max(width, height))
    try:
        if image.format in ("JPEG", "MPO") and scale < 1:
            image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
        image.load()
        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            rgba = image.convert("RGBA")
            rgb = Image.new("RGB", rgba.size, (255, 255, 255))
            rgb.paste(rgba, mask=rgba.getchannel("A"))
        else:
            rgb = as_rgb(image)
        if max(rgb.size) > (max_side if exact else 2 * max_side):
            rgb.thumbnail((max_side, max_side), Image.Resampling.BILINEAR, reducing_gap=2.0)
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError, Image.DecompressionBombError):
        raise UnreadableMedia(_DAMAGED) from None
    transpose = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(turn)
    if transpose is not None:
        rgb = rgb.transpose(transpose)
    return rgb


def as_rgb(image):
    """The image itself when it is RGB already (a convert would copy every pixel), else converted."""
    return image if image.mode == "RGB" else image.convert("RGB")


def shrink(image, max_side, resample=Image.Resampling.LANCZOS):
    """A copy no larger than max_side: averaged down by a whole factor first, then resampled."""
    scale = max_side / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # reducing_gap=1 averages down by the largest whole factor that stays above the target
    # (8 MP to a 1280-px preview: 2x, then a light resample), several times cheaper than
    # resampling all the pixels, and indistinguishable at preview size.
    return image.resize(size, resample, reducing_gap=1.0)


def preview(image):
    """The large preview's pixels. After the whole-factor average, the remaining step (1.3x for
    8 MP) is resampled with a Hamming window: half the cost of Lanczos, alike at this size."""
    return shrink(image, THUMB_LARGE, Image.Resampling.HAMMING)


def jpeg_bytes(image, max_side=None, quality=82, optimize=True):
    """Encode an RGB image as a JPEG with no metadata at all, optionally downscaled.

    Baseline: a progressive encode of a 1280-px preview costs four times as much CPU (it buffers
    and scans the coefficients again) for files 3% smaller. `optimize` computes Huffman tables
    for the picture: files 2% smaller, for 2.5 times the encode's CPU (the pipeline's previews,
    made for every photo, go without).
    """
    if max_side:
        image = shrink(image, max_side)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=optimize)
    return out.getvalue()
