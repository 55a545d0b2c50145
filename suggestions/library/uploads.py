"""Receive uploads in chunks: each file goes to a temporary file while it is hashed and sized."""

import hashlib

from django.conf import settings
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler

from ..analysis.filetypes import HEAD_BYTES


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Never holds more than one chunk in memory; skips any file over MAX_UPLOAD_BYTES.

    The uploaded file gets `sha256` and `head` (its first bytes, for type sniffing). The
    names of skipped files are listed in `request.oversized_uploads`.
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.hasher = hashlib.sha256()
        self.head = b""
        self.size = 0

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > settings.MAX_UPLOAD_BYTES:
            if not hasattr(self.request, "oversized_uploads"):
                self.request.oversized_uploads = []
            self.request.oversized_uploads.append(self.file_name)
            raise SkipFile()
        if len(self.head) < HEAD_BYTES:
            self.head += raw_data[: HEAD_BYTES - len(self.head)]
        self.hasher.update(raw_data)
        self.file.write(raw_data)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self.hasher.hexdigest()
        uploaded.head = self.head
        return uploaded
