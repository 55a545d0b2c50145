"""Collages: JPEGs about 2048 px with no metadata, in templates that crop without cutting a face."""

import io

import numpy as np
import pytest
from PIL import Image

from suggestions.generators.collage import LONG_SIDE, MAX_PHOTOS, TEMPLATES, Tile, canvas_size, cells, collage_render
from suggestions.generators.crop import cuts_face, face_safe_crop

from .crafted import picture

SHAPES = [(1200, 900), (900, 1200), (1280, 720), (1000, 1000), (720, 1280)]
# Faces (x, y, w, h) placed where a crop is tempted to cut them: near edges, off-centre, a row of a group.
FACES = [
    [(40, 300, 220, 220)],
    [(600, 60, 200, 200), (80, 900, 180, 180)],
    [(60, 200, 160, 160), (300, 220, 160, 160), (540, 210, 160, 160), (780, 230, 160, 160), (1020, 200, 160, 160)],
    [(700, 400, 250, 250)],
    [(260, 1000, 200, 200)],
]


def tiles_and_pictures(count):
    tiles, pictures = [], []
    for index in range(count):
        size, faces = SHAPES[index % len(SHAPES)], FACES[index % len(FACES)]
        pictures.append(Image.open(io.BytesIO(picture(size, faces))).convert("RGB"))
        tiles.append(Tile(size[0], size[1], tuple(faces)))
    return tiles, pictures


def is_red(pixel):
    r, g, b = pixel
    return r > 200 and g < 70 and b < 70


def border(image, cell):
    x0, y0, x1, y1 = cell
    for x in range(x0 + 1, x1 - 1):
        yield image.getpixel((x, y0 + 1))
        yield image.getpixel((x, y1 - 2))
    for y in range(y0 + 1, y1 - 1):
        yield image.getpixel((x0 + 1, y))
        yield image.getpixel((x1 - 2, y))


@pytest.mark.parametrize("count", range(1, MAX_PHOTOS + 1))
def test_a_collage_decodes_at_2048_px_without_metadata_and_cuts_no_face(count):
    tiles, pictures = tiles_and_pictures(count)
    collage = collage_render(tiles, lambda index, side: pictures[index])
    image = Image.open(io.BytesIO(collage.data))
    image.load()
    assert image.format == "JPEG" and image.mode == "RGB"
    assert max(image.size) == LONG_SIDE and image.size == collage.size
    assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info
    assert b"Exif" not in collage.data[:4096]
    assert sorted(p.tile for p in collage.placements) == list(range(count))
    for placement in collage.placements:
        tile = tiles[placement.tile]
        if placement.crop is not None:
            assert not cuts_face(placement.crop, tile.faces)
        # In pixels: a cut face would leave solid red on the edge of its cell...
        assert not any(is_red(pixel) for pixel in border(image, placement.cell))
        # ...and each face shown is shown whole: the red in the cell is the area of the faces inside.
        assert red_area(image, placement.cell) == pytest.approx(expected_red(tile, placement), rel=0.1, abs=50)
    assert any(red_area(image, p.cell) for p in collage.placements)


def red_area(image, cell):
    pixels = np.asarray(image.crop(cell)).astype(int)
    return int(((pixels[..., 0] > 200) & (pixels[..., 1] < 70) & (pixels[..., 2] < 70)).sum())


def expected_red(tile, placement):
    x0, y0, x1, y1 = placement.cell
    if placement.crop is None:
        scale = min((x1 - x0) / tile.width, (y1 - y0) / tile.height)
        inside = tile.faces
    else:
        scale = (x1 - x0) / (placement.crop[2] - placement.crop[0])
        cx0, cy0, cx1, cy1 = placement.crop
        inside = [(x, y, w, h) for x, y, w, h in tile.faces if cx0 - 1 <= x and x + w <= cx1 + 1 and cy0 - 1 <= y and y + h <= cy1 + 1]
    return sum(w * h for _, _, w, h in inside) * scale * scale


def test_every_template_fills_its_canvas_with_the_right_number_of_cells():
    for count, templates in TEMPLATES.items():
        for template in templates:
            width, height = canvas_size(template.aspect)
            boxes = cells(template.tree, (12, 12, width - 12, height - 12))
            assert len(boxes) == count, template.name
            area = sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes)
            assert 0.9 < area / (width * height) < 1


def test_the_template_follows_the_shapes_of_the_photos():
    portraits = [Tile(900, 1200)] * 2
    landscapes = [Tile(1600, 900)] * 2
    blank = Image.new("RGB", (10, 10))
    assert collage_render(portraits, lambda i, s: blank.resize((900, 1200))).template == "side by side"
    assert collage_render(landscapes, lambda i, s: blank.resize((1600, 900))).template == "stacked"


def test_a_crop_includes_faces_whole_or_leaves_them_out():
    faces = [(10, 10, 100, 100), (450, 10, 100, 100)]  # far apart on a wide picture
    box = face_safe_crop(560, 200, 1.0, faces)
    assert box is not None and not cuts_face(box, faces)
    assert box[2] - box[0] == pytest.approx(200)


def test_when_every_crop_would_cut_a_face_the_photo_is_shown_whole():
    faces = [(x, 300, 150, 150) for x in range(0, 1200, 160)]  # a row of faces across the whole width
    assert face_safe_crop(1200, 900, 0.5, faces) is None
    tiles = [Tile(1200, 900, tuple(faces)), Tile(600, 1200)]
    pictures = [Image.open(io.BytesIO(picture((1200, 900), faces))).convert("RGB"), Image.new("RGB", (600, 1200))]
    collage = collage_render(tiles, lambda index, side: pictures[index])
    shown_whole = [p for p in collage.placements if p.tile == 0]
    assert shown_whole[0].crop is None or not cuts_face(shown_whole[0].crop, faces)


def test_the_loader_is_asked_for_enough_pixels():
    asked = []
    tiles = [Tile(4000, 3000)]

    def load(index, side):
        asked.append(side)
        return Image.new("RGB", (side, side * 3 // 4))

    collage_render(tiles, load)
    assert asked and asked[0] >= LONG_SIDE - 24


def test_a_large_cell_is_drawn_from_the_original_with_its_orientation_applied(user, private_storage):
    from consent.scopes import LIBRARY, TIME
    from rollweb.storage import save_bytes
    from suggestions.feed import render as feed_render
    from suggestions.models import MediaItem, Suggestion, SuggestionItem

    from .conftest import grant
    from .factories import SuggestionFactory

    grant(user, LIBRARY, TIME)
    upright = Image.new("RGB", (1600, 2400), (40, 90, 140))
    upright.paste((255, 0, 0), (0, 0, 1600, 240))  # a red band along the top, as the photo is seen
    stored = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # stored on its side: "rotate 90° clockwise to display"
    upright.transpose(Image.Transpose.ROTATE_90).save(stored, "JPEG", exif=exif.tobytes())
    preview = io.BytesIO()
    Image.new("RGB", (853, 1280), (40, 90, 140)).save(preview, "JPEG")  # without the band: only the original has it
    item = MediaItem.objects.create(
        owner=user, kind="photo", status="analyzed", sha256="a" * 64, original_name="side.jpg", mime="image/jpeg",
        bytes=len(stored.getvalue()), width=1600, height=2400,
        original=save_bytes(f"users/{user.pk}/originals/side.jpg", stored.getvalue()),
        thumb_large=save_bytes(f"users/{user.pk}/thumbs/side.jpg", preview.getvalue()),
    )
    suggestion = SuggestionFactory(owner=user)
    SuggestionItem.objects.create(suggestion=suggestion, media=item, position=0)
    feed_render.suggestion_render(suggestion.pk)
    collage = Image.open(private_storage / Suggestion.objects.get(pk=suggestion.pk).asset.name).convert("RGB")
    pixels = np.asarray(collage).astype(int)
    top, bottom = pixels[20, 40:-40], pixels[-20, 40:-40]
    assert (top[:, 0] > 200).all() and (top[:, 1] < 70).all()
    assert (bottom[:, 0] < 100).all()
