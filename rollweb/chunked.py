"""Request bodies sent with `Transfer-Encoding: chunked` and no Content-Length, as phones'
background upload services send them. Django reads a body up to CONTENT_LENGTH only, so on its
own it would read such a body as empty.

Where the server has de-chunked the body and marks its end (`wsgi.input_terminated`: gunicorn,
which `make run` and `make serve-prod` start), the body is spooled to a temporary file (in memory
up to a megabyte) and handed to Django with its length: it is then read like any other. Above
MAX_UPLOAD_BYTES (and room for the form around the file) it is refused with 413; where the server
does not de-chunk (Django's runserver), with 411. Refusals are JSON.
"""

import json
import tempfile

from django.conf import settings

SPOOL_IN_MEMORY = 1 << 20
READ_SIZE = 1 << 16
# Room for the multipart form around one file of MAX_UPLOAD_BYTES.
FORM_ROOM = 1 << 20


class ChunkedBodies:
    """WSGI middleware around Django's application (rollweb/wsgi.py)."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if not _chunked(environ):
            return self.application(environ, start_response)
        if not environ.get("wsgi.input_terminated"):
            return _refuse(start_response, "411 Length Required", "Send the body with a Content-Length header.")
        limit = settings.MAX_UPLOAD_BYTES + FORM_ROOM
        body, size = _spool(environ["wsgi.input"], limit)
        if body is None:
            return _refuse(start_response, "413 Request Entity Too Large", f"A body may be at most {limit:,} bytes.")
        try:
            environ = {**environ, "wsgi.input": body, "CONTENT_LENGTH": str(size)}
            del environ["HTTP_TRANSFER_ENCODING"]
            return self.application(environ, start_response)
        finally:
            body.close()  # Django has read what it needs by the time it answers


def _chunked(environ):
    encoding = environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    return "chunked" in encoding and not environ.get("CONTENT_LENGTH")


def _spool(stream, limit):
    """(file at its start, size), or (None, size) once more than `limit` bytes came."""
    body = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=settings.FILE_UPLOAD_TEMP_DIR)
    size = 0
    while chunk := stream.read(READ_SIZE):
        size += len(chunk)
        if size > limit:
            body.close()
            return None, size
        body.write(chunk)
    body.seek(0)
    return body, size


def _refuse(start_response, status, detail):
    payload = json.dumps({"detail": detail}).encode()
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload))), ("Cache-Control", "no-store"),
         ("Connection", "close")],
    )
    return [payload]
