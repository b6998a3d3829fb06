"""The object storage port: bytes under a key, and time-limited links to them."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field

from providers.base import BaseProvider, PermanentProviderError

MAX_KEY_BYTES = 1024  # S3's limit, so a key valid here is valid everywhere
PRESIGN_METHODS = ("GET", "PUT")


class ObjectNotFound(PermanentProviderError):
    """No object under that key."""


class InvalidObjectKey(PermanentProviderError):
    """The key could escape its storage root or is not portable across adapters."""


@dataclass(frozen=True)
class StoredObject:
    data: bytes = field(repr=False)
    content_type: str
    size: int


def validate_key(key: str) -> str:
    """Keys are relative, slash-separated paths: no `..`, no absolute path, no NUL."""
    if not key or len(key.encode()) > MAX_KEY_BYTES:
        raise InvalidObjectKey(f"key must be 1 to {MAX_KEY_BYTES} bytes")
    if "\x00" in key or "\\" in key:
        raise InvalidObjectKey("key must not contain NUL or backslashes")
    if key.startswith("/") or (len(key) > 1 and key[1] == ":"):
        raise InvalidObjectKey("key must be relative")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise InvalidObjectKey("key must not contain empty, '.' or '..' segments")
    return key


def check_presign(expires_in_s: int, method: str) -> None:
    if method not in PRESIGN_METHODS:
        raise PermanentProviderError(f"presigned method must be one of {PRESIGN_METHODS}")
    # Seven days is S3's ceiling for SigV4 presigned URLs; hold every adapter to it.
    if not 0 < expires_in_s <= 7 * 24 * 3600:
        raise PermanentProviderError("expires_in_s must be between 1 second and 7 days")


class StorageProvider(BaseProvider):
    kind = "storage"

    @abstractmethod
    def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None: ...

    @abstractmethod
    def get(self, key: str) -> StoredObject:
        """Raise ObjectNotFound when there is no such key."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Deleting a missing key is not an error (as in S3)."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def presigned_url(self, key: str, expires_in_s: int = 900, method: str = "GET") -> str: ...
