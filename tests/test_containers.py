"""Container checks that refuse files before they are kept: cut-off HEIF, hidden archives."""

import io
import zipfile

import pytest

from suggestions.analysis.filetypes import carries_archive
from suggestions.analysis.heif import heif_complete

from .conftest import jpeg_bytes


@pytest.mark.parametrize("name", ["IMG_5195.HEIC", "iphone_13_pro_max.HEIC"])
def test_heif_is_complete_only_up_to_its_last_byte(corpus, name):
    data = (corpus / "heic" / name).read_bytes()
    assert heif_complete(io.BytesIO(data), len(data))
    for size in (len(data) - 1, len(data) * 2 // 3, 20_000, 40):
        assert not heif_complete(io.BytesIO(data[:size]), size), size


def test_heif_check_leaves_the_file_at_its_start(corpus):
    data = (corpus / "heic" / "IMG_5195.HEIC").read_bytes()
    stream = io.BytesIO(data)
    heif_complete(stream, len(data))
    assert stream.tell() == 0


def test_an_archive_behind_a_picture_is_found():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("a.txt", "hidden")
    assert carries_archive(io.BytesIO(jpeg_bytes() + archive.getvalue()))
    assert not carries_archive(io.BytesIO(jpeg_bytes()))
    assert not carries_archive(io.BytesIO(jpeg_bytes() + b"trailing camera data" * 100))


def test_corpus_photos_carry_no_archive(corpus):
    for path in sorted(corpus.glob("*/*")):
        if path.suffix.lower() in (".jpg", ".heic", ".mp4"):
            assert not carries_archive(io.BytesIO(path.read_bytes())), path.name
