"""A video of several hundred MB goes through the API with the web process's memory flat."""

import hashlib
import io
import tracemalloc

from suggestions.models import MediaItem

from .conftest import grant

BOUNDARY = "rollweb-large-upload"
CHUNK = 256 * 1024
MB = 2**20


class GeneratedUpload(io.RawIOBase):
    """A multipart body with one `size`-byte MP4-looking file, made on the fly as it is read."""

    def __init__(self, size):
        self.size = size
        head = (
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"holiday.mp4\"\r\n"
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.prefix = head
        self.sha256 = hashlib.sha256()
        self.sent = 0  # bytes of the file produced so far
        self.length = len(head) + size + len(self.tail)
        self.pending = b""

    def _file_chunk(self):
        if self.sent == 0:
            data = (24).to_bytes(4, "big") + b"ftypisom" + b"\0" * 12
        else:
            data = (self.sent // CHUNK % 251).to_bytes(1, "big") * CHUNK
        data = data[: self.size - self.sent]
        self.sent += len(data)
        self.sha256.update(data)
        return data

    def read(self, n=-1):
        while (n < 0 or len(self.pending) < n) and (self.prefix or self.sent < self.size or self.tail):
            if self.prefix:
                self.pending, self.prefix = self.pending + self.prefix, b""
            elif self.sent < self.size:
                self.pending += self._file_chunk()
            else:
                self.pending, self.tail = self.pending + self.tail, b""
        n = len(self.pending) if n < 0 else n
        out, self.pending = self.pending[:n], self.pending[n:]
        return out

    def readable(self):
        return True


def upload_traced(api, size):
    body = GeneratedUpload(size)
    tracemalloc.start()
    try:
        response = api.generic(
            "POST", "/api/v1/media/", b"", content_type=f"multipart/form-data; boundary={BOUNDARY}",
            CONTENT_LENGTH=str(body.length), **{"wsgi.input": body},
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, peak, body.sha256.hexdigest()


def test_a_300_mb_video_uploads_with_flat_memory(user, api, stored_files, private_storage):
    grant(user, "library")
    small, small_peak, small_sha = upload_traced(api, 8 * MB)
    large, large_peak, large_sha = upload_traced(api, 300 * MB)
    assert small.status_code == large.status_code == 201, large.content[:500]
    item = MediaItem.objects.get(pk=large.json()["id"])
    assert (item.kind, item.mime, item.bytes, item.sha256) == ("video", "video/mp4", 300 * MB, large_sha)
    assert (private_storage / item.original.name).stat().st_size == 300 * MB
    # Peak Python allocations while the request ran: a few chunks, not the file.
    print(f"peak allocation: {small_peak / MB:.1f} MB for 8 MB, {large_peak / MB:.1f} MB for 300 MB")
    assert large_peak < 16 * MB
    assert large_peak < small_peak + 2 * MB
