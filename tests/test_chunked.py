"""Bodies sent with Transfer-Encoding: chunked reach the API whole where the server de-chunks them
(gunicorn: tests/test_production_engine.py runs it for real), and are refused with 411 in JSON
where it cannot; never read as empty."""

import io
import json

import pytest
from django.test.client import RequestFactory, encode_multipart

from rollweb.tokens import token_issue
from rollweb.wsgi import application
from suggestions.models import MediaItem

from .conftest import grant, jpeg_bytes

BOUNDARY = "chunkedboundary"


def call(path, body, content_type, token=None, terminated=True):
    """The site's WSGI application, as a server hands it a chunked request (no CONTENT_LENGTH)."""
    environ = RequestFactory()._base_environ(
        PATH_INFO=path, REQUEST_METHOD="POST", CONTENT_TYPE=content_type, HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body)},
    )
    environ.pop("CONTENT_LENGTH", None)
    if terminated:
        environ["wsgi.input_terminated"] = True
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Token {token}"
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=int(status.split()[0]), headers=dict(headers))

    content = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], json.loads(content)


@pytest.fixture
def phone(user):
    grant(user, "library")
    return token_issue(user, "phone")[1]


def test_a_chunked_json_body_is_read_whole(user, phone):
    status, _, body = call("/api/v1/media/check/", json.dumps({"sha256": ["a" * 64]}).encode(), "application/json", phone)
    assert status == 200 and body["missing"] == ["a" * 64]


def test_a_chunked_upload_is_stored(user, phone):
    photo = jpeg_bytes()
    form = encode_multipart(BOUNDARY, {"file": _file("from-the-phone.jpg", photo)})
    status, _, body = call("/api/v1/media/", form, f"multipart/form-data; boundary={BOUNDARY}", phone)
    assert status == 201, body
    item = MediaItem.objects.get(owner=user)
    assert item.bytes == len(photo) and item.original_name == "from-the-phone.jpg"


def test_a_chunked_body_above_the_upload_limit_is_413(user, phone, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    status, headers, body = call("/api/v1/media/", b"x" * (1 << 21), "multipart/form-data; boundary=x", phone)
    assert status == 413 and headers["Content-Type"] == "application/json" and body["detail"]
    assert not MediaItem.objects.exists()


def test_where_the_server_cannot_de_chunk_it_is_411(user, phone):
    status, headers, body = call(
        "/api/v1/media/check/", b'{"sha256": []}', "application/json", phone, terminated=False
    )
    assert status == 411 and headers["Content-Type"] == "application/json" and "Content-Length" in body["detail"]


def _file(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/jpeg")
