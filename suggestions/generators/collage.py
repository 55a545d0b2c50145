"""The collage renderer: 1–9 photos in the template that crops them least, as a JPEG with no metadata.

A template is a tree of rows ("h": side by side) and columns ("v": stacked) with relative sizes.
The best photo takes the largest cell; the others go where their shape fits best. Every crop is
face-aware (`crop.fill`): a face is never cut.
"""

import math
from dataclasses import dataclass

from PIL import Image

from ..analysis import images
from .crop import fill

LONG_SIDE = 2048
GUTTER = 12
BACKGROUND = (250, 250, 247)
QUALITY = 88
LEAF = None


def h(*children):
    """Side by side; a child is a subtree or (weight, subtree)."""
    weighted = lambda child: isinstance(child, tuple) and not isinstance(child[0], str)  # noqa: E731
    return ("h", [child if weighted(child) else (1, child) for child in children])


def v(*children):
    """Stacked."""
    return ("v", h(*children)[1])


@dataclass(frozen=True)
class Template:
    name: str
    aspect: float
    tree: tuple


TEMPLATES = {
    2: [Template("side by side", 4 / 3, h(LEAF, LEAF)), Template("stacked", 3 / 4, v(LEAF, LEAF))],
    3: [
        Template("large left", 4 / 3, h((2, LEAF), v(LEAF, LEAF))),
        Template("large top", 1, v((2, LEAF), h(LEAF, LEAF))),
        Template("three columns", 3 / 2, h(LEAF, LEAF, LEAF)),
    ],
    4: [
        Template("grid", 1, v(h(LEAF, LEAF), h(LEAF, LEAF))),
        Template("large top", 1, v((2, LEAF), h(LEAF, LEAF, LEAF))),
        Template("large left", 4 / 3, h((2, LEAF), v(LEAF, LEAF, LEAF))),
    ],
    5: [
        Template("two over three", 1, v(h(LEAF, LEAF), h(LEAF, LEAF, LEAF))),
        Template("large left", 4 / 3, h(LEAF, v(h(LEAF, LEAF), h(LEAF, LEAF)))),
    ],
    6: [
        Template("grid of three by two", 3 / 2, v(h(LEAF, LEAF, LEAF), h(LEAF, LEAF, LEAF))),
        Template("grid of two by three", 3 / 4, v(h(LEAF, LEAF), h(LEAF, LEAF), h(LEAF, LEAF))),
        Template("large corner", 1, v((2, h((2, LEAF), v(LEAF, LEAF))), h(LEAF, LEAF, LEAF))),
    ],
    7: [
        Template("large top", 3 / 4, v((1.5, LEAF), h(LEAF, LEAF, LEAF), h(LEAF, LEAF, LEAF))),
        Template("three over four", 4 / 3, v(h(LEAF, LEAF, LEAF), h(LEAF, LEAF, LEAF, LEAF))),
    ],
    8: [
        Template("three, two, three", 1, v(h(LEAF, LEAF, LEAF), h(LEAF, LEAF), h(LEAF, LEAF, LEAF))),
        Template("grid of four by two", 2, v(h(LEAF, LEAF, LEAF, LEAF), h(LEAF, LEAF, LEAF, LEAF))),
    ],
    9: [
        Template("grid", 1, v(h(LEAF, LEAF, LEAF), h(LEAF, LEAF, LEAF), h(LEAF, LEAF, LEAF))),
        Template("large corner", 3 / 4, v((2, h((2, LEAF), v(LEAF, LEAF))), h(LEAF, LEAF, LEAF), h(LEAF, LEAF, LEAF))),
    ],
}
MAX_PHOTOS = max(TEMPLATES)


@dataclass(frozen=True)
class Tile:
    """A photo to place: its size as displayed and its faces (x, y, w, h) in those pixels."""

    width: int
    height: int
    faces: tuple = ()

    @property
    def aspect(self):
        return self.width / self.height


@dataclass(frozen=True)
class Placement:
    tile: int  # index into the tiles
    cell: tuple  # (x0, y0, x1, y1) on the canvas
    crop: tuple | None  # (x0, y0, x1, y1) in the tile's displayed pixels; None: shown whole


@dataclass(frozen=True)
class Collage:
    data: bytes
    size: tuple
    template: str
    placements: list


def canvas_size(aspect):
    if aspect >= 1:
        return LONG_SIDE, round(LONG_SIDE / aspect)
    return round(LONG_SIDE * aspect), LONG_SIDE


def cells(tree, box):
    """The leaf rectangles of a template tree inside `box` (floats), in reading order."""
    if tree is None:
        return [box]
    direction, children = tree
    x0, y0, x1, y1 = box
    length = (x1 - x0 if direction == "h" else y1 - y0) - GUTTER * (len(children) - 1)
    total = sum(weight for weight, _ in children)
    out, offset = [], x0 if direction == "h" else y0
    for weight, child in children:
        size = length * weight / total
        child_box = (offset, y0, offset + size, y1) if direction == "h" else (x0, offset, x1, offset + size)
        out += cells(child, child_box)
        offset += size + GUTTER
    return out


def _assign(tiles, boxes):
    """Best tile in the largest cell, the rest by shape. Returns (cost, [(tile index, box)])."""
    area = lambda b: (b[2] - b[0]) * (b[3] - b[1])  # noqa: E731
    shape = lambda b: (b[2] - b[0]) / (b[3] - b[1])  # noqa: E731
    largest = max(range(len(boxes)), key=lambda i: (area(boxes[i]), -i))
    rest_boxes = sorted((b for i, b in enumerate(boxes) if i != largest), key=shape)
    rest_tiles = sorted(range(1, len(tiles)), key=lambda i: tiles[i].aspect)
    pairs = [(0, boxes[largest])] + list(zip(rest_tiles, rest_boxes))
    total = sum(area(b) for b in boxes)
    cost = sum(area(b) / total * abs(math.log(shape(b) / tiles[i].aspect)) for i, b in pairs)
    return cost, pairs


def layout(tiles):
    """The template and cells for `tiles` (best first): the one that crops the least."""
    if len(tiles) == 1:
        aspect = min(1.6, max(0.8, tiles[0].aspect))
        template = Template("single", aspect, LEAF)
        width, height = canvas_size(aspect)
        return template, (width, height), [(0, (GUTTER, GUTTER, width - GUTTER, height - GUTTER))]
    best = None
    for template in TEMPLATES[len(tiles)]:
        width, height = canvas_size(template.aspect)
        cost, pairs = _assign(tiles, cells(template.tree, (GUTTER, GUTTER, width - GUTTER, height - GUTTER)))
        if best is None or cost < best[0]:
            best = (cost, template, (width, height), pairs)
    return best[1], best[2], best[3]


def _needed_side(tile, size):
    """The long side a tile must be decoded at so that its crop covers a cell of `size` 1:1."""
    cell_w, cell_h = size
    crop_w = min(tile.width, tile.height * cell_w / cell_h)
    return math.ceil(max(tile.width, tile.height) * cell_w / crop_w)


def collage_render(tiles, load):
    """Render tiles (best first, at most MAX_PHOTOS) with `load(index, long_side)` giving each
    photo as an RGB image, orientation applied, preferably at least `long_side` on its long side."""
    tiles = tiles[:MAX_PHOTOS]
    template, size, pairs = layout(tiles)
    canvas = Image.new("RGB", size, BACKGROUND)
    placements = []
    for index, box in pairs:
        x0, y0, x1, y1 = (round(value) for value in box)
        cell = (x1 - x0, y1 - y0)
        tile = tiles[index]
        picture = load(index, _needed_side(tile, cell))
        scale = picture.width / tile.width
        faces = [(x * scale, y * scale, w * scale, h * scale) for x, y, w, h in tile.faces]
        filled, crop = fill(picture, cell, faces)
        canvas.paste(filled, (x0, y0))
        placements.append(Placement(index, (x0, y0, x1, y1), tuple(c / scale for c in crop) if crop else None))
    return Collage(images.jpeg_bytes(canvas, quality=QUALITY), size, template.name, placements)
