"""What the suggestion and recap benchmarks time the same way: wall and CPU seconds of a call, and
the encoder's own share of a rendered video. Import it after django.setup()."""

import tempfile
import time

import av
from django.core.files.storage import default_storage

from suggestions.generators.recap import FPS, X264


class Took(float):
    """Wall-clock seconds, with the process's CPU seconds beside them (steadier on a shared machine)."""

    cpu = 0.0


def timed(function, *args, **kwargs):
    start, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    took = Took(time.perf_counter() - start)
    took.cpu = time.process_time() - cpu
    return took, result


def encode_again(name, options=X264):
    """Encoding a stored video's own frames again with the recaps' settings (or `options`): the
    encoder's share, which no way of making the frames avoids. Frames are decoded one at a time;
    only encoding is timed."""
    wall = cpu_total = 0.0
    with default_storage.open(name, "rb") as mp4, av.open(mp4) as source:
        frames = source.decode(video=0)
        first = next(frames)
        with tempfile.NamedTemporaryFile(suffix=".mp4") as out, av.open(out.name, "w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=FPS)
            stream.width, stream.height, stream.pix_fmt = first.width, first.height, "yuv420p"
            stream.options = dict(options)
            for frame in [first, *frames, None]:
                if frame is not None:
                    frame = av.VideoFrame.from_ndarray(frame.to_ndarray(), format="yuv420p")
                start, cpu = time.perf_counter(), time.process_time()
                packets = stream.encode(frame)
                wall += time.perf_counter() - start
                cpu_total += time.process_time() - cpu
                container.mux(packets)
    took = Took(wall)
    took.cpu = cpu_total
    return took
