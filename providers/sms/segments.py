"""How many SMS segments a body costs: GSM-7 (160, or 153 when split) or UCS-2 (70, or 67)."""

from __future__ import annotations

# GSM 03.38 basic character set (the escape character itself is not a usable character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as escape + character, two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"


def encoding_for(body: str) -> str:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in body):
        return GSM7
    return UCS2


def _units(body: str, encoding: str) -> list[int]:
    """Each character's size in the encoding's units (septets, or UTF-16 code units)."""
    if encoding == GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in body]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in body]


def segment_count(body: str) -> int:
    """Segments as a carrier counts them; a split message loses room to the UDH header, and an
    escape pair or a surrogate pair is never cut across two segments."""
    encoding = encoding_for(body)
    single, multi = (160, 153) if encoding == GSM7 else (70, 67)
    units = _units(body, encoding)
    if sum(units) <= single:
        return 1
    segments, used = 1, 0
    for size in units:
        if used + size > multi:
            segments += 1
            used = 0
        used += size
    return segments
