"""Presigned URLs for storage the API serves itself: HMAC-SHA256 over method, key and expiry."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote, urlencode

STORAGE_ROUTE = "/api/v1/storage/"


def presign_signature(signing_key: str, key: str, expires: int, method: str = "GET") -> str:
    message = f"{method}\n{key}\n{expires}".encode()
    return hmac.new(signing_key.encode(), message, hashlib.sha256).hexdigest()


def verify_presigned(
    signing_key: str,
    key: str,
    expires: int | str,
    signature: str,
    now: float | None = None,
    method: str = "GET",
) -> bool:
    """What the API's storage route calls: False when tampered with, malformed or expired."""
    try:
        expires_at = int(expires)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if current > expires_at:
        return False
    expected = presign_signature(signing_key, key, expires_at, method)
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


class UrlSigner:
    """Issues `{base_url}/api/v1/storage/{key}?expires=<unix>&signature=<hex>` links."""

    def __init__(self, base_url: str, signing_key: str) -> None:
        if not signing_key:
            raise ValueError("a signing key is required for presigned URLs")
        self.base_url = base_url.rstrip("/")
        self.signing_key = signing_key

    def url(
        self, key: str, expires_in_s: int, method: str = "GET", now: float | None = None
    ) -> str:
        expires = int(time.time() if now is None else now) + expires_in_s
        signature = presign_signature(self.signing_key, key, expires, method)
        query = {"expires": str(expires), "signature": signature}
        if method != "GET":
            query["method"] = method
        return f"{self.base_url}{STORAGE_ROUTE}{quote(key, safe='/')}?{urlencode(query)}"

    def verify(
        self,
        key: str,
        expires: int | str,
        signature: str,
        now: float | None = None,
        method: str = "GET",
    ) -> bool:
        return verify_presigned(self.signing_key, key, expires, signature, now, method)
