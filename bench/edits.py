"""Seconds to plan and render an edit suggestion of a 12-MP photo, against a plain decode and encode.

    .venv/bin/python bench/edits.py [--repeat 5]

The photo is a corpus landscape scaled to 4000 x 3000, under-exposed (x0.4) so an edit is
planned, with sensor-like grain, saved as a JPEG at quality 90. Printed, as the median of
--repeat runs in this process: enhancement_plan on the decode the pipeline makes; one edit
rendered from the JPEG's bytes (full decode, crop, enhance, encode) for the 4:5 frame and for
the original frame; and the baseline, a full decode and encode with no edit; enhance alone on the
decoded picture, with and without saturation. Then this process's peak RSS while rendering
(sampled every 10 ms; building the test photo beforehand is not counted).
"""

import argparse
import dataclasses
import io
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from bench import scenes  # noqa: E402
from bench.throughput import CORPUS, WorkerMemory, _grain  # noqa: E402  (sets up Django for the pipeline's decode side)
from suggestions.analysis import images  # noqa: E402
from suggestions.analysis.enhance import enhance, enhancement_plan  # noqa: E402
from suggestions.generators.edit import edit_render, frame_box  # noqa: E402
from suggestions.library.source import decode_side  # noqa: E402

SIZE = (4000, 3000)
SOURCE = "exif/DSCN0012.jpg"
UNDER_EXPOSURE = 0.4
FULL = 10**5  # a decode side no photo reaches: no downscale
MAX_PIXELS = 10**8


def phone_photo():
    photo = Image.open(CORPUS / SOURCE).convert("RGB").resize(SIZE, Image.Resampling.BICUBIC)
    photo = Image.eval(photo, lambda value: int(value * UNDER_EXPOSURE))
    return scenes.jpeg(_grain(photo, seed=1), quality=90)


def full_decode(data):
    return images.decode(images.open_image(io.BytesIO(data), MAX_PIXELS), FULL)


def median_seconds(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    data = phone_photo()
    print(f"12-MP JPEG {SIZE[0]} x {SIZE[1]}, {len(data) / 1e6:.1f} MB, from {SOURCE} x{UNDER_EXPOSURE}")
    reduced = images.decode(images.open_image(io.BytesIO(data), MAX_PIXELS), decode_side(), exact=False)
    plan = enhancement_plan(reduced)
    if plan is None:
        raise SystemExit("no edit was planned for the under-exposed photo")
    print(f"plan: {plan.as_json()} ({', '.join(plan.corrections)})")

    planning = median_seconds(lambda: enhancement_plan(reduced), args.repeat)
    reduced_size = reduced.size
    del reduced
    memory = WorkerMemory(os.getpid(), interval=0.01)
    memory.start()

    def render(frame):
        picture = full_decode(data)
        return edit_render(picture, plan, frame_box(picture.width, picture.height, frame))

    def baseline():
        return images.jpeg_bytes(full_decode(data), quality=90)

    for frame in ("4:5", "original"):
        render(frame)  # warm-up
    framed = median_seconds(lambda: render("4:5"), args.repeat)
    whole = median_seconds(lambda: render("original"), args.repeat)
    plain = median_seconds(baseline, args.repeat)
    rendered = Image.open(io.BytesIO(render("4:5")))
    picture = full_decode(data)
    enhancing = median_seconds(lambda: enhance(picture, plan), args.repeat)
    saturating = median_seconds(lambda: enhance(picture, dataclasses.replace(plan, saturation=1.1)), args.repeat)
    del picture
    memory.running = False

    print(f"\nmedian of {args.repeat} runs:")
    print(f"enhancement_plan on the pipeline's decode ({reduced_size[0]} x {reduced_size[1]}): {planning * 1000:.0f} ms")
    print(f"edit render, 4:5 frame ({rendered.width} x {rendered.height}):  {framed:.2f} s  (target < 1 s)")
    print(f"edit render, original frame:                {whole:.2f} s")
    print(f"baseline, full decode + encode, no edit:   {plain:.2f} s")
    print(f"edit / baseline: 4:5 {framed / plain:.2f}, original {whole / plain:.2f}")
    print(f"enhance alone, 12 MP: {enhancing * 1000:.0f} ms; with saturation 1.1: {saturating * 1000:.0f} ms")
    print(f"peak RSS while rendering: {memory.peak_rss / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
