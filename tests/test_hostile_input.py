"""Hostile files over every upload path, on the production engine with a real worker.

Each file is refused with a 4xx and a reason, or kept and then ends `failed` with a reason (or
`analyzed`, where the pixels are fine and only metadata is broken). Never a 5xx, never an item
left waiting, and the worker lives on with bounded memory. Add an upload path to UPLOAD_PATHS
and every case runs through it.
"""

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

import pytest
from django.contrib.messages import get_messages
from django.urls import Resolver404, resolve, reverse

from rollweb.tokens import token_issue
from suggestions.models import MediaItem, ProcessingRecord, user_prefix

from . import flows
from .conftest import jpeg_bytes
from .factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WORKER_MEMORY_LIMIT = 600 * 2**20


# -- upload paths ---------------------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    message: str
    item_id: int | None


def via_page(client, person, name, data):
    """The library page's script: one file per request, answered in JSON."""
    response = flows.upload(client, data, name)
    body = response.json()
    return Outcome(response.status_code, body.get("detail", ""), body.get("id"))


def via_form(client, person, name, data):
    """The form without JavaScript: redirect back with a message per file."""
    response = client.post(reverse("library:index"), {"files": [flows.uploaded(name, data)]})
    if response.status_code != 302:
        return Outcome(response.status_code, "", None)
    errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    if errors:
        return Outcome(400, errors[0], None)
    item = MediaItem.objects.filter(owner=person).order_by("-pk").first()
    return Outcome(201, "", item.pk if item else None)


def via_api(client, person, name, data):
    """POST /api/v1/media/ with a token, as a phone does."""
    _, key = token_issue(person, "phone")
    response = client.post("/api/v1/media/", {"file": flows.uploaded(name, data)}, HTTP_AUTHORIZATION=f"Token {key}")
    body = response.json() if response["Content-Type"].startswith("application/json") else {}
    message = body.get("detail") or " ".join(str(v) for v in body.values()) if response.status_code >= 400 else ""
    return Outcome(response.status_code, message, body.get("id"))


def _routed(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


UPLOAD_PATHS = {"page": via_page, "form": via_form}
if _routed("/api/v1/media/"):
    UPLOAD_PATHS["api"] = via_api


# -- hostile files --------------------------------------------------------------------------


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, rows=None, colour_type=0):
    """A PNG with the given header; `rows` yields the raw scanlines (default: one empty IDAT)."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for row in (rows or [])) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def zero_png_bomb(side=20000):
    """side × side grey pixels, all zero: 400 MP that compress to a few hundred KB."""
    row = bytes(side + 1)
    return png(side, side, (row for _ in range(side)))


def jpeg_with_zip():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("run.html", "<script>alert(document.cookie)</script>")
    return jpeg_bytes() + archive.getvalue()


def exif_segment(payload):
    body = b"Exif\x00\x00" + payload
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def jpeg_with_huge_exif():
    """An EXIF block filling a whole segment: an IFD claiming 65,535 entries, most of them past
    its end, with offsets pointing anywhere; then 40 more full-size EXIF segments."""
    entries = b"".join(struct.pack("<HHII", 0x0100 + n, 4, 0xFFFFFFFF, 0x7FFFFFF0 + n) for n in range(5000))
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 0xFFFF) + entries
    block = exif_segment(tiff[:65000])
    plain = jpeg_bytes()
    return plain[:2] + block * 41 + plain[2:]


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    make: object  # (corpus) -> bytes
    ends: tuple = ("refused",)  # any of: refused, failed, analyzed


CASES = [
    Case("zero bytes", "empty.jpg", lambda corpus: b""),
    Case("text named as a photo", "notes.jpg", lambda corpus: b"just some words\n" * 50),
    Case("HTML named as a photo", "page.jpg",
         lambda corpus: b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"),
    Case("ELF executable named as a photo", "photo.png", lambda corpus: b"\x7fELF\x02\x01\x01" + bytes(200)),
    Case("Windows executable named as a photo", "photo.heic", lambda corpus: b"MZ\x90\x00" + bytes(300)),
    Case("SVG with a script", "drawing.svg", lambda corpus: (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>')),
    Case("SVG with a script named as a photo", "drawing.jpg", lambda corpus: (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')),
    Case("truncated JPEG", "cut.jpg", lambda corpus: (corpus / "exif" / "DSCN0010.jpg").read_bytes()[:60000],
         ("refused", "failed")),
    Case("truncated HEIC", "cut.heic", lambda corpus: (corpus / "heic" / "IMG_5195.HEIC").read_bytes()[:250000],
         ("refused", "failed")),
    Case("PNG claiming 100,000 × 100,000 pixels", "huge.png", lambda corpus: png(100_000, 100_000)),
    Case("400-megapixel zero-filled PNG bomb", "bomb.png", lambda corpus: ZERO_BOMB.get()),
    Case("JPEG with a ZIP appended", "polyglot.jpg", lambda corpus: jpeg_with_zip()),
    Case("huge EXIF blocks", "exif.jpg", lambda corpus: jpeg_with_huge_exif(), ("analyzed", "failed")),
    *[
        Case(f"malformed EXIF ({name})", name, lambda corpus, name=name: (corpus / "invalid" / name).read_bytes(),
             ("analyzed",))
        for name in ("corrupted.jpg", "image00971.jpg", "image01088.jpg", "image01137.jpg")
    ],
]


class _Once:
    def __init__(self, make):
        self.make, self.value = make, None

    def get(self):
        if self.value is None:
            self.value = self.make()
        return self.value


ZERO_BOMB = _Once(zero_png_bomb)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
@pytest.mark.parametrize("path", sorted(UPLOAD_PATHS))
def test_hostile_file(path, case, client, worker, bucket, corpus):
    person = UserFactory()
    client.force_login(person)
    # Every scope, faces too (with its confirmation): the face stage decodes the most pixels.
    flows.consent_onboard(client, "library", "time", "location", "themes", "faces")

    outcome = UPLOAD_PATHS[path](client, person, case.filename, case.make(corpus))

    assert outcome.status < 500, outcome
    if 400 <= outcome.status < 500:
        assert "refused" in case.ends, f"refused, but expected {case.ends}: {outcome.message}"
        assert outcome.message.strip(), "a refusal says why"
        assert not MediaItem.objects.filter(owner=person).exists()
        assert bucket.keys(user_prefix(person.pk)) == []
    else:
        assert outcome.status in (200, 201) and outcome.item_id, outcome
        [item] = flows.wait_terminal([outcome.item_id], timeout=120)
        assert item.status in case.ends, f"{item.status}: {item.failure_reason}"
        if item.status == MediaItem.Status.FAILED:
            assert item.failure_reason.strip()
        else:  # the face stage ran on it, so the memory below was measured with it
            assert item.ledger.filter(stage="faces", outcome=ProcessingRecord.Outcome.DONE).exists()
    service = worker.current
    assert service.alive(), service.log_tail()
    assert service.peak_rss_bytes() < WORKER_MEMORY_LIMIT
