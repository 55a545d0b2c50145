"""Edit suggestions: automatic enhancement, re-framing that cuts no face, JPEGs with no metadata."""

import io

import numpy as np
import pytest
from PIL import Image

from suggestions.analysis import faces, images
from suggestions.analysis.enhance import MIN_CHANGE, Enhancement, enhance, enhancement_plan
from suggestions.analysis.saliency import subject_box
from suggestions.generators.crop import cuts_face
from suggestions.generators.edit import FRAMES, edit_render, frame_box

WELL_EXPOSED = [
    "orientation/landscape_1.jpg", "exif/DSCN0010.jpg", "faces/obama.jpg",
    "faces/obama_and_biden.jpg", "faces/two_people.jpg", "exif/iphone_hdr_YES.jpg",
]


def load(path, side=1600):
    with open(path, "rb") as f:
        return images.decode(images.open_image(f, 10**8), side)


def luminance(image):
    return float((np.asarray(image, dtype=np.float32) @ np.array([0.299, 0.587, 0.114]) / 255).mean())


def scaled(image, factors):
    pixels = np.asarray(image, dtype=np.float32) * np.array(factors, dtype=np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def decoded(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_no_metadata(data):
    image = decoded(data)
    assert image.format == "JPEG"
    assert not image.getexif() and "exif" not in image.info
    assert b"Exif" not in data


@pytest.mark.parametrize("path", ["orientation/landscape_1.jpg", "faces/obama.jpg"])
def test_an_under_exposed_photo_is_made_brighter(corpus, path):
    dark = scaled(load(corpus / path), (0.35, 0.35, 0.35))
    plan = enhancement_plan(dark)
    assert plan is not None and plan.change >= MIN_CHANGE
    assert "brighter" in plan.corrections
    assert luminance(enhance(dark, plan)) > luminance(dark) + 0.1


@pytest.mark.parametrize("path", WELL_EXPOSED)
def test_a_well_exposed_photo_is_left_alone(corpus, path):
    assert enhancement_plan(load(corpus / path)) is None


def test_a_colour_cast_is_reduced(corpus):
    blue = scaled(load(corpus / "exif/iphone_hdr_YES.jpg"), (1.0, 1.0, 1.25))
    plan = enhancement_plan(blue)
    assert plan is not None
    red, green, blue_gain = plan.gains
    assert blue_gain < min(red, green)

    def cast(image):
        r, g, b = np.asarray(image, dtype=np.float32).reshape(-1, 3).mean(axis=0)
        return b - (r + g) / 2

    assert abs(cast(enhance(blue, plan))) < 0.5 * abs(cast(blue))


def test_a_plan_survives_json():
    plan = Enhancement(0.02, 0.9, 0.8, (0.95, 1.0, 1.08), 1.1, 0.05)
    again = Enhancement.from_json(plan.as_json())
    assert again == plan
    assert plan.corrections == ["brighter", "crisper", "cooler", "more colourful"]


def test_enhance_keeps_size_and_mode(corpus):
    picture = scaled(load(corpus / "exif/DSCN0012.jpg"), (0.4, 0.4, 0.4))
    plan = enhancement_plan(picture)
    result = enhance(picture, plan)
    assert result.size == picture.size and result.mode == "RGB"
    assert result.tobytes() != picture.tobytes()


def test_an_edit_carries_no_metadata(corpus):
    with open(corpus / "exif/DSCN0010.jpg", "rb") as f:
        picture = images.decode(images.open_image(f, 10**8), 10**5)
    assert picture.info.get("exif")  # the input carries EXIF, GPS included
    assert_no_metadata(edit_render(picture, None))
    plan = Enhancement(0.05, 0.9, 0.8, (0.95, 1.0, 1.05), 1.1, 0.1)
    box = frame_box(picture.width, picture.height, "4:5")
    data = edit_render(picture, plan, box)
    assert_no_metadata(data)
    assert decoded(data).size == (box[2] - box[0], box[3] - box[1])


def test_crops_keep_every_face_whole(corpus, manifest):
    portraits = 0
    for path, entry in manifest.items():
        if not path.startswith("faces/"):
            continue
        with open(corpus / path, "rb") as f:
            image = images.open_image(f, 10**8)
            native = max(image.size)
            picture = images.decode(image, 1600)
        found = [face.box for face in faces.find(picture, native, 0.02)]
        assert found, path
        for frame in FRAMES:
            box = frame_box(picture.width, picture.height, frame, found)
            if box is None:
                continue
            x0, y0, x1, y1 = box
            assert all(isinstance(edge, int) for edge in box)
            assert 0 <= x0 < x1 <= picture.width and 0 <= y0 < y1 <= picture.height, (path, frame, box)
            assert not cuts_face(box, found), (path, frame, box, found)
            if FRAMES[frame] is not None:
                assert abs((x1 - x0) / (y1 - y0) - FRAMES[frame]) < 0.01
            if entry.get("faces") == 1 and len(found) == 1:
                x, y, w, h = found[0]
                assert x0 <= x and y0 <= y and x + w <= x1 and y + h <= y1, (path, frame, box, found)
            assert decoded(edit_render(picture, None, box)).size == (x1 - x0, y1 - y0)
        portraits += entry.get("faces") == 1
    assert portraits >= 5


def textured_corner(size=(900, 600)):
    """A flat grey picture with a noisy object in its upper-left third."""
    width, height = size
    pixels = np.full((height, width, 3), 128, dtype=np.uint8)
    rng = np.random.default_rng(7)
    pixels[50:170, 60:250] = rng.integers(0, 256, (120, 190, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def test_the_subject_is_found_where_the_detail_is():
    picture = textured_corner()
    x0, y0, x1, y1 = subject_box(picture)
    assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
    assert (x0 + x1) / 2 < 1 / 3 and (y0 + y1) / 2 < 1 / 3
    assert subject_box(picture) == (x0, y0, x1, y1)


def test_without_faces_a_crop_centres_toward_the_subject():
    picture = textured_corner()
    subject = subject_box(picture)
    default = frame_box(picture.width, picture.height, "9:16")
    toward = frame_box(picture.width, picture.height, "9:16", subject=subject)
    assert (toward[0] + toward[2]) / 2 < (default[0] + default[2]) / 2
    assert toward[0] <= (subject[0] + subject[2]) / 2 * picture.width <= toward[2]
    assert decoded(edit_render(picture, None, toward)).size == (toward[2] - toward[0], toward[3] - toward[1])
