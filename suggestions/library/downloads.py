"""Several of a person's originals in one zip, streamed to the browser as it is written, with the
export's archive code (the files as stored, named as a single download would be)."""

from consent.export import Archive, safe_name
from rollweb.storage import typed_name

MOST = 500  # items in one zip or one deletion: a larger choice is made in several


class _Pipe:
    """What the archive wrote since it was last drained."""

    def __init__(self):
        self._chunks = []

    def write(self, data):
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def drain(self):
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def media_zip(items):
    """The bytes of a zip of `items`' originals, chunk by chunk (one chunk in memory at a time);
    an original missing from storage is left out."""
    pipe = _Pipe()
    archive = Archive(pipe, progress=lambda steps: None)
    for item in items:
        name = safe_name(typed_name(item.original_name, item.mime), fallback=f"item-{item.pk}")
        for _ in archive.add_file_steps(name, item.original.name, item.bytes, item.created_at):
            chunk = pipe.drain()
            if chunk:
                yield chunk
    archive.close()
    yield pipe.drain()


def zip_name(count):
    return f"rollweb-{count}-item{'s' if count != 1 else ''}.zip"
