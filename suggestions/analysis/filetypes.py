"""Recognise a file's type from its first bytes, never from its name or the client's word."""

import zipfile
from dataclasses import dataclass

HEAD_BYTES = 32


@dataclass(frozen=True)
class FileType:
    kind: str  # "photo" or "video"
    mime: str
    extension: str


JPEG = FileType("photo", "image/jpeg", "jpg")
PNG = FileType("photo", "image/png", "png")
WEBP = FileType("photo", "image/webp", "webp")
HEIC = FileType("photo", "image/heic", "heic")
HEIF = FileType("photo", "image/heif", "heif")
MP4 = FileType("video", "video/mp4", "mp4")
MOV = FileType("video", "video/quicktime", "mov")

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_HEIF_BRANDS = {b"mif1", b"msf1", b"avif"}
_MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash", b"3gp4", b"3gp5", b"MSNV"}

SUPPORTED = "JPEG, PNG, HEIC, WebP photos and MP4 or MOV videos"


def sniff(head):
    """Return the FileType of a file from its first HEAD_BYTES bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIC_BRANDS:
            return HEIC
        if brand in _HEIF_BRANDS and brand != b"avif":
            return HEIF
        if brand == b"qt  ":
            return MOV
        if brand in _MP4_BRANDS:
            return MP4
    return None


def carries_archive(fp):
    """True when a ZIP archive is hidden in the file (a picture with an archive appended is a
    classic polyglot: an image to one program, an archive to another). Leaves fp at its start."""
    try:
        return zipfile.is_zipfile(fp)
    finally:
        fp.seek(0)
