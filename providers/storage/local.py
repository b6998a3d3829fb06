"""Object storage as files under a directory, for the demo: readable paths, atomic writes."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from providers.base import ProviderHealth
from providers.storage.port import (
    InvalidObjectKey,
    ObjectNotFound,
    StorageProvider,
    StoredObject,
    check_presign,
    validate_key,
)
from providers.storage.presign import UrlSigner

DEFAULT_CONTENT_TYPE = "application/octet-stream"


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class LocalStorage(StorageProvider):
    name = "local-storage"
    mode = "mock"

    def __init__(self, root_dir: str | Path, base_url: str, signing_key: str) -> None:
        self.root = Path(root_dir)
        self.signer = UrlSigner(base_url, signing_key)

    @property
    def _objects(self) -> Path:
        return self.root / "objects"

    def _paths(self, key: str) -> tuple[Path, Path]:
        validate_key(key)
        data_path = self._objects / key
        # validate_key already refuses `..`; this also catches a symlink planted in the tree.
        if not data_path.resolve().is_relative_to(self._objects.resolve()):
            raise InvalidObjectKey(f"key {key!r} resolves outside the storage root")
        return data_path, self.root / "meta" / f"{key}.json"

    def initialize(self) -> None:
        self._objects.mkdir(parents=True, exist_ok=True)
        (self.root / "meta").mkdir(parents=True, exist_ok=True)

    def shutdown(self) -> None:
        return None

    def health(self) -> ProviderHealth:
        writable = self._objects.is_dir() and os.access(self._objects, os.W_OK)
        return self._health(writable, str(self.root) if writable else f"{self.root} not writable")

    def put(self, key: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE) -> None:
        data_path, meta_path = self._paths(key)
        try:
            _write_atomically(data_path, bytes(data))
            _write_atomically(meta_path, json.dumps({"content_type": content_type}).encode())
        except (NotADirectoryError, IsADirectoryError, FileExistsError) as exc:
            # A file cannot also be a folder: "a" and "a/b" cannot both be stored here.
            raise InvalidObjectKey(f"key {key!r} clashes with an existing key") from exc

    def get(self, key: str) -> StoredObject:
        data_path, meta_path = self._paths(key)
        try:
            data = data_path.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise ObjectNotFound(f"no object {key!r}") from exc
        try:
            content_type = json.loads(meta_path.read_text())["content_type"]
        except (OSError, ValueError, KeyError):
            content_type = DEFAULT_CONTENT_TYPE
        return StoredObject(data, str(content_type), len(data))

    def delete(self, key: str) -> None:
        data_path, meta_path = self._paths(key)
        if data_path.is_file():
            data_path.unlink()
        meta_path.unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        data_path, _ = self._paths(key)
        return data_path.is_file()

    def presigned_url(self, key: str, expires_in_s: int = 900, method: str = "GET") -> str:
        validate_key(key)
        check_presign(expires_in_s, method)
        return self.signer.url(key, expires_in_s, method)
