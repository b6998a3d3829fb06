"""Pure rules of stored files: what a file really is, and where an organization's keys live."""

from __future__ import annotations

import re
import uuid

import filetype

# Declared types we accept, each with the types its bytes may sniff as.
ALLOWED_TYPES = {
    "image/jpeg": {"image/jpeg"},
    "image/png": {"image/png"},
    "image/webp": {"image/webp"},
    "image/gif": {"image/gif"},
    "application/pdf": {"application/pdf"},
    "text/csv": {"text/plain"},
    "text/plain": {"text/plain"},
}
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def sniff_content_type(data: bytes) -> str | None:
    """The type the bytes say they are; text is UTF-8 without NUL bytes."""
    guessed = filetype.guess_mime(data)
    if guessed:
        return str(guessed)
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain"


def accepted_type(declared: str | None, data: bytes) -> str | None:
    """The content type to store, or None when the bytes do not back up an allowed type.

    The declared type is never trusted alone: a PNG declared as a PDF is refused, and so is
    an executable declared as text.
    """
    sniffed = sniff_content_type(data)
    if sniffed is None:
        return None
    declared = (declared or "").split(";")[0].strip().lower()
    if declared in ALLOWED_TYPES:
        return declared if sniffed in ALLOWED_TYPES[declared] else None
    return sniffed if sniffed in ALLOWED_TYPES else None


def safe_filename(filename: str | None) -> str:
    name = SAFE_NAME.sub("-", (filename or "").rsplit("/", 1)[-1]).strip(".-")
    return name[:120] or "file"


def new_object_key(filename: str | None) -> str:
    """The key a client sees: unique, and carrying a readable file name."""
    return f"{uuid.uuid4().hex}/{safe_filename(filename)}"
