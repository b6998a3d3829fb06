"""Pure reading of an image's pixel size from its header bytes (PNG, JPEG, WebP).

Only the headers are read, never the pixels: enough to record width and height and to refuse a
file whose header is truncated or corrupt, without a decoding library.
"""

from __future__ import annotations

import struct

import filetype

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range
# but are not frames.
JPEG_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD9)})  # TEM, RSTn, SOI: no length
JPEG_END_MARKERS = frozenset({0xD9, 0xDA})  # EOI, or SOS (entropy-coded data follows)
VP8_START_CODE = b"\x9d\x01\x2a"
VP8L_SIGNATURE = 0x2F

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")

Dimensions = tuple[int, int]


def sniff_image_type(data: bytes) -> str | None:
    """The type the bytes say they are (a declared type is never trusted)."""
    guessed = filetype.guess_mime(data)
    return str(guessed) if guessed else None


def image_dimensions(content_type: str, data: bytes) -> Dimensions | None:
    """(width, height) from the header of a PNG, JPEG or WebP; None if unreadable."""
    reader = {"image/png": png_size, "image/jpeg": jpeg_size, "image/webp": webp_size}.get(
        content_type
    )
    size = reader(data) if reader else None
    if size is None or size[0] <= 0 or size[1] <= 0:
        return None
    return size


def png_size(data: bytes) -> Dimensions | None:
    # Signature, then the IHDR chunk: length (4), type (4), width (4), height (4), big-endian.
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def jpeg_size(data: bytes) -> Dimensions | None:
    if not data.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            return None  # a segment must start with a marker
        while i < len(data) and data[i] == 0xFF:  # fill bytes may pad a marker
            i += 1
        if i >= len(data):
            return None
        marker = data[i]
        i += 1
        if marker in JPEG_STANDALONE_MARKERS:
            continue
        if marker in JPEG_END_MARKERS or i + 2 > len(data):
            return None  # no frame header before the image data: not a usable JPEG
        (length,) = struct.unpack(">H", data[i : i + 2])
        if length < 2:
            return None
        if marker in JPEG_SOF_MARKERS:
            # length (2), precision (1), height (2), width (2)
            if length < 7 or i + 7 > len(data):
                return None
            height, width = struct.unpack(">HH", data[i + 3 : i + 7])
            return width, height
        i += length
    return None


def webp_size(data: bytes) -> Dimensions | None:
    if len(data) < 16 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk = data[12:16]
    if chunk == b"VP8 ":
        # Lossy: a 3-byte frame tag, the start code, then 14-bit width and height.
        if len(data) < 30 or data[23:26] != VP8_START_CODE:
            return None
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        # Lossless: a signature byte, then width-1 and height-1 in 14 bits each.
        if len(data) < 25 or data[20] != VP8L_SIGNATURE:
            return None
        (bits,) = struct.unpack("<I", data[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        # Extended: flags (1), reserved (3), canvas width-1 and height-1 in 24 bits each.
        if len(data) < 30:
            return None
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None
