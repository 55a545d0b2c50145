"""Phone-like test photos built from the corpus faces, generated on the fly (never committed).

A face's size is the side of the box dlib's detector gives it at full resolution, so a face
"2% of the long side" is one whose detector box is 2% of the photo's long side.
"""

import io
from pathlib import Path

import numpy as np
from PIL import Image

FACE_SOURCES = [
    "faces/obama.jpg", "faces/biden.jpg", "faces/alex_lacamoire1.jpg", "faces/rose_leslie_img1.jpg",
    "faces/kit_with_rose.jpg", "faces/two_people.jpg", "faces/obama_and_biden.jpg", "faces/obama2.jpg",
    "faces/alex_lacamoire_img1.jpg", "faces/rose_leslie_img2.jpg", "faces/biden_biden2.jpg",
    "faces/obama_partial_face.jpg",
]
MARGIN = 0.6


def face_crops(corpus):
    """(crop with margin, detector box side in that crop) for every face of the corpus photos."""
    import face_recognition

    crops = []
    for path in FACE_SOURCES:
        image = Image.open(Path(corpus) / path).convert("RGB")
        for top, right, bottom, left in face_recognition.face_locations(np.asarray(image)):
            side = bottom - top
            margin = int(side * MARGIN)
            box = (max(0, left - margin), max(0, top - margin), min(image.width, right + margin), min(image.height, bottom + margin))
            crops.append((image.crop(box), side))
    return crops


def _background(width, height, seed):
    rng = np.random.default_rng(seed)
    coarse = (rng.random((height // 16 + 1, width // 16 + 1, 3)) * 90 + 70).astype("uint8")
    return Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)


def jpeg(image, quality=90):
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def group_scene(crops, width=4000, height=3000, fraction=0.02, seed=1):
    """A party-like photo: every corpus face pasted with its box `fraction` of the long side."""
    scene = _background(width, height, seed)
    target = fraction * max(width, height)
    x, y, row = width // 40, height // 10, 0
    placed = 0
    for crop, side in crops:
        scale = target / side
        face = crop.resize((max(1, round(crop.width * scale)), max(1, round(crop.height * scale))), Image.Resampling.LANCZOS)
        if x + face.width > width - width // 40:
            x, y = width // 40, y + row + height // 20
            row = 0
        if y + face.height > height:
            break
        scene.paste(face, (x, y))
        x += face.width + width // 50
        row = max(row, face.height)
        placed += 1
    return scene, placed


def portrait_scene(corpus, path, width, height, seed=2):
    """A corpus photo placed on a phone-sized canvas (upscaled to fill most of it)."""
    photo = Image.open(Path(corpus) / path).convert("RGB")
    scale = min(width / photo.width, height / photo.height) * 0.9
    photo = photo.resize((round(photo.width * scale), round(photo.height * scale)), Image.Resampling.BICUBIC)
    scene = _background(width, height, seed)
    scene.paste(photo, ((width - photo.width) // 2, (height - photo.height) // 2))
    return scene
