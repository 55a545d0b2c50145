"""The floor of face analysis: one draft-mode decode, one HOG pass, encodings, nothing else.

bench/analysis.py compares rollweb's whole pipeline with it in CPU time; bench/throughput.py
runs it on the same photos in as many processes as the worker has, for a rate measured on the
machine as it is at that moment (its speed drifts by 10-20% from one minute to the next).
"""

import io
import multiprocessing
import time

import numpy as np
from PIL import Image

from suggestions.analysis import faces as face_analysis


def floor_pipeline(data, scan_side):
    """Face boxes in the original's pixels, and the CPU seconds the encodings took."""
    detector = face_analysis._load()[0]
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    long_side = max(width, height)
    target = min(scan_side, 2 * long_side)
    image.draft("RGB", (max(1, round(width * target / 2 / long_side)), max(1, round(height * target / 2 / long_side))))
    rgb = image.convert("RGB")
    scale = target / max(rgb.size)
    gray = rgb.convert("L").resize((round(rgb.width * scale), round(rgb.height * scale)), Image.Resampling.BILINEAR)
    rects = detector(np.asarray(gray), 0)
    boxes = [(round(r.left() / scale), round(r.top() / scale), round(r.width() / scale), round(r.height() / scale)) for r in rects]
    start = time.process_time()
    face_analysis.encode(rgb, boxes)
    encoding_seconds = time.process_time() - start
    factor = long_side / max(rgb.size)
    return [tuple(round(v * factor) for v in box) for box in boxes], encoding_seconds


def _one(data):
    floor_pipeline(data, face_analysis.SCAN_SIDE)


def floor_rate(photos, processes):
    """Photos per second of the floor over `photos` (bytes), in `processes` forked processes."""
    face_analysis.preload()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pool.map(_one, photos[:processes], chunksize=1)  # warm each process's caches
        start = time.monotonic()
        pool.map(_one, photos, chunksize=1)
        return len(photos) / (time.monotonic() - start)
