"""HEIF/HEIC container checks. libheif decodes a truncated grid image without an error, filling
the missing tiles with black, so completeness is checked on the container itself."""

import struct

META_SEARCH_BYTES = 4 * 2**20


def _boxes(data, start, end):
    """(type, payload start, box end) for each ISO BMFF box in data[start:end]."""
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, position)
        header = 8
        if size == 1:
            if position + 16 > end:
                return
            size = struct.unpack_from(">Q", data, position + 8)[0]
            header = 16
        elif size == 0:
            size = end - position
        if size < header:
            return
        yield kind, position + header, position + size
        position += size


def _uint(data, position, size):
    return (int.from_bytes(data[position:position + size], "big") if size else 0), position + size


def _file_extents_end(iloc, position, end):
    """The furthest byte offset any item's file-based extent reaches (iloc versions 0-2)."""
    version = iloc[position]
    position += 4
    offset_size, length_size = iloc[position] >> 4, iloc[position] & 15
    base_size, index_size = iloc[position + 1] >> 4, iloc[position + 1] & 15
    position += 2
    count_size = 4 if version == 2 else 2
    item_count, position = _uint(iloc, position, count_size)
    furthest = 0
    for _ in range(item_count):
        _, position = _uint(iloc, position, count_size)
        method = 0
        if version in (1, 2):
            method, position = _uint(iloc, position, 2)
            method &= 15
        _, position = _uint(iloc, position, 2)  # data reference index
        base, position = _uint(iloc, position, base_size)
        extents, position = _uint(iloc, position, 2)
        for _ in range(extents):
            if version in (1, 2) and index_size:
                _, position = _uint(iloc, position, index_size)
            offset, position = _uint(iloc, position, offset_size)
            length, position = _uint(iloc, position, length_size)
            if method == 0:
                furthest = max(furthest, base + offset + length)
        if position > end:
            raise ValueError("iloc box ends early")
    return furthest


def heif_complete(fp, size):
    """False when the image data the container points to lies beyond the end of the file (or
    the container does not say where its data is).

    Reads at most the first few megabytes (the `meta` box) and leaves fp at its start.
    """
    try:
        data = fp.read(min(size, META_SEARCH_BYTES))
    finally:
        fp.seek(0)
    try:
        for kind, start, end in _boxes(data, 0, len(data)):
            if kind != b"meta":
                continue
            for child, child_start, child_end in _boxes(data, start + 4, min(end, len(data))):
                if child == b"iloc":
                    return _file_extents_end(data, child_start, child_end) <= size
    except (ValueError, IndexError, struct.error):
        return False
    return False  # no item locations: nothing of the picture can be found
