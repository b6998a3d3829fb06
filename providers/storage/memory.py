"""Object storage in a dict, for tests: same key rules and presigned links as LocalStorage."""

from __future__ import annotations

import threading

from providers.base import ProviderHealth
from providers.storage.port import (
    ObjectNotFound,
    StorageProvider,
    StoredObject,
    check_presign,
    validate_key,
)
from providers.storage.presign import UrlSigner


class MemoryStorage(StorageProvider):
    name = "memory-storage"
    mode = "mock"

    def __init__(self, base_url: str, signing_key: str) -> None:
        self.signer = UrlSigner(base_url, signing_key)
        self._objects: dict[str, StoredObject] = {}
        self._lock = threading.Lock()

    def initialize(self) -> None:
        return None

    def shutdown(self) -> None:
        return None

    def health(self) -> ProviderHealth:
        return self._health(True, f"{len(self._objects)} objects in memory")

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        validate_key(key)
        with self._lock:
            self._objects[key] = StoredObject(bytes(data), content_type, len(data))

    def get(self, key: str) -> StoredObject:
        validate_key(key)
        with self._lock:
            found = self._objects.get(key)
        if found is None:
            raise ObjectNotFound(f"no object {key!r}")
        return found

    def delete(self, key: str) -> None:
        validate_key(key)
        with self._lock:
            self._objects.pop(key, None)

    def exists(self, key: str) -> bool:
        validate_key(key)
        with self._lock:
            return key in self._objects

    def presigned_url(self, key: str, expires_in_s: int = 900, method: str = "GET") -> str:
        validate_key(key)
        check_presign(expires_in_s, method)
        return self.signer.url(key, expires_in_s, method)
