"""Where a photo's subject probably is, from its pixels alone (no faces)."""

import numpy as np
from PIL import Image

from .images import shrink

WORKING_SIDE = 256
SUBJECT_SHARE = 0.55
# The centre bias: saliency is weighted from 1 at the middle down to 1 - CENTRE_BIAS at the corners.
CENTRE_BIAS = 0.3
BOX_STEPS = 40


def _box_blur(pixels, radius):
    """Mean over a (2 * radius + 1)-pixel square, edges repeated."""
    padded = np.pad(pixels, radius + 1, mode="edge").astype(np.float64)
    table = padded.cumsum(axis=0).cumsum(axis=1)
    side = 2 * radius + 1
    window = table[side:, side:] - table[:-side, side:] - table[side:, :-side] + table[:-side, :-side]
    return window[: pixels.shape[0], : pixels.shape[1]] / side**2


def _saliency(gray):
    """Edges plus local contrast, each scaled to its own mean, smoothed and weighted toward the middle."""
    pixels = np.asarray(gray, dtype=np.float32)
    dy, dx = np.gradient(pixels)
    edges = np.hypot(dx, dy)
    contrast = np.abs(pixels - _box_blur(pixels, max(2, max(gray.size) // 32)))
    saliency = edges / max(float(edges.mean()), 1e-6) + contrast / max(float(contrast.mean()), 1e-6)
    saliency = np.maximum(saliency - np.median(saliency), 0.0)  # what the flat background contributes
    saliency = _box_blur(saliency, max(1, max(gray.size) // 64))
    height, width = saliency.shape
    ys = (np.arange(height) + 0.5) / height - 0.5
    xs = (np.arange(width) + 0.5) / width - 0.5
    distance = np.hypot(ys[:, None], xs[None, :]) / np.hypot(0.5, 0.5)
    return saliency * (1.0 - CENTRE_BIAS * distance**2)


def subject_box(image):
    """The box (x0, y0, x1, y1), as fractions of the picture, around the saliency's weighted
    centroid that holds SUBJECT_SHARE of its mass: the smallest of the picture's shape, grown
    from the centroid and kept inside the frame. Saliency is edges and local contrast on a
    small copy, mildly biased to the centre; a featureless picture gives the middle half."""
    gray = shrink(image.convert("L"), WORKING_SIDE, Image.Resampling.BILINEAR)
    saliency = _saliency(gray)
    total = float(saliency.sum())
    if total <= 0:
        return (0.25, 0.25, 0.75, 0.75)
    height, width = saliency.shape
    cy = float((saliency.sum(axis=1) * (np.arange(height) + 0.5)).sum()) / total / height
    cx = float((saliency.sum(axis=0) * (np.arange(width) + 0.5)).sum()) / total / width
    table = np.zeros((height + 1, width + 1))
    table[1:, 1:] = saliency.cumsum(axis=0).cumsum(axis=1)
    for step in range(1, BOX_STEPS + 1):
        size = step / BOX_STEPS
        x0 = min(max(cx - size / 2, 0.0), 1.0 - size)
        y0 = min(max(cy - size / 2, 0.0), 1.0 - size)
        left, right = round(x0 * width), round((x0 + size) * width)
        top, bottom = round(y0 * height), round((y0 + size) * height)
        held = table[bottom, right] - table[top, right] - table[bottom, left] + table[top, left]
        if held >= SUBJECT_SHARE * total:
            break
    return (x0, y0, min(1.0, x0 + size), min(1.0, y0 + size))
