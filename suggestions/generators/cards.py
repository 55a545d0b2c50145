"""A recap's title card and end card: words over a blurred, darkened photo of the recap.

Drawn in Roboto, which the `font-roboto` package installs with the project (Apache 2.0), so
nothing is fetched or looked up on the machine at run time and every worker draws the same
pixels. Pillow's own font has no letter beyond ASCII (“Zürich”, “Kraków”); Roboto has Latin,
Greek and Cyrillic. A character it lacks is drawn without its accent, or left out.
"""

import unicodedata
from functools import lru_cache

import font_roboto
from PIL import Image, ImageDraw, ImageFilter, ImageFont

TEXT = (255, 255, 255)
SOFT = (226, 226, 220)
SHADE = 0.45  # how bright the photo stays behind the words
BLUR = 0.03  # of the frame's short side
MAX_TITLE_LINES = 3


@lru_cache(maxsize=16)
def _font(size, bold=False):
    return ImageFont.truetype(font_roboto.RobotoMedium if bold else font_roboto.Roboto, max(8, round(size)))


@lru_cache(maxsize=1024)
def _drawable(char):
    """Whether the font has a glyph for `char` (a missing one draws as the .notdef box)."""
    if char.isspace():
        return True
    font = _font(32)
    return bytes(font.getmask(char)) != bytes(font.getmask("\uffff")) or char == "\uffff"


def printable(text):
    """`text` with what the font cannot draw folded to its base letter (“ő” → “o”) or left out."""
    out = []
    for char in text:
        if not _drawable(char):
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            char = "".join(c for c in base if _drawable(c))
        out.append(char)
    return " ".join("".join(out).split())


def _wrap(draw, text, font, width):
    """Lines of `text` no wider than `width` (a word longer than that keeps its own line)."""
    lines = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _fitted(draw, text, size, width):
    """The largest font (from `size` down) at which `text` takes at most MAX_TITLE_LINES lines."""
    while True:
        font = _font(round(size), bold=True)
        lines = _wrap(draw, text, font, width)
        if len(lines) <= MAX_TITLE_LINES or size <= 12:
            return font, lines
        size *= 0.85


def backdrop(picture, size):
    """`picture` filling `size`, blurred and darkened: the ground the words stand on."""
    width, height = size
    scale = max(width / picture.width, height / picture.height)
    crop_w, crop_h = width / scale, height / scale
    x0, y0 = (picture.width - crop_w) / 2, (picture.height - crop_h) / 2
    small = (max(1, width // 4), max(1, height // 4))
    ground = picture.resize(small, Image.Resampling.BILINEAR, box=(x0, y0, x0 + crop_w, y0 + crop_h))
    ground = ground.filter(ImageFilter.GaussianBlur(BLUR * min(small)))
    ground = Image.eval(ground, lambda value: int(value * SHADE))
    return ground.resize(size, Image.Resampling.BILINEAR)


def _draw_block(canvas, blocks):
    """Centre `blocks` of (font, lines, colour, gap after) on the canvas, one above the other."""
    draw = ImageDraw.Draw(canvas)
    heights = []
    for font, lines, _, gap in blocks:
        ascent, descent = font.getmetrics()
        heights.append((ascent + descent) * 1.15 * len(lines) + gap)
    y = (canvas.height - sum(heights)) / 2
    for (font, lines, colour, gap), height in zip(blocks, heights):
        ascent, descent = font.getmetrics()
        for line in lines:
            x = (canvas.width - draw.textlength(line, font=font)) / 2
            draw.text((x, y), line, font=font, fill=colour)
            y += (ascent + descent) * 1.15
        y += gap
    return canvas


def title_card(picture, size, title, subtitle=""):
    """The first frame: the recap's title, and a line under it."""
    canvas = backdrop(picture, size)
    unit = min(size) / 720
    draw = ImageDraw.Draw(canvas)
    font, lines = _fitted(draw, printable(title), 64 * unit, size[0] * 0.8)
    blocks = [(font, lines, TEXT, 24 * unit)] if lines else []
    if printable(subtitle):
        small = _font(round(30 * unit))
        blocks.append((small, _wrap(draw, printable(subtitle), small, size[0] * 0.8), SOFT, 0))
    return _draw_block(canvas, blocks)


def end_card(picture, size, words, signature="Made for you, privately, by rollweb"):
    """The last frame: a closing line and who made it."""
    canvas = backdrop(picture, size)
    unit = min(size) / 720
    draw = ImageDraw.Draw(canvas)
    font, lines = _fitted(draw, printable(words), 48 * unit, size[0] * 0.8)
    small = _font(round(26 * unit))
    blocks = [(font, lines, TEXT, 28 * unit)] if lines else []
    blocks.append((small, _wrap(draw, signature, small, size[0] * 0.8), SOFT, 0))
    return _draw_block(canvas, blocks)
