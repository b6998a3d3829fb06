"""Standard Webhooks signatures: `v1,` + base64 HMAC-SHA256 over "{id}.{timestamp}.{body}"."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


class WebhookVerificationError(ValueError):
    """The request is not what the holder of the secret sent: reject it."""


def generate_secret(num_bytes: int = 32) -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(num_bytes)).decode()


def derive_secret(signing_key: str, purpose: str) -> str:
    """A stable whsec_ secret for one purpose, derived so the app needs one key in settings."""
    digest = hmac.new(signing_key.encode(), purpose.encode(), hashlib.sha256).digest()
    return SECRET_PREFIX + base64.b64encode(digest).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key: the base64 part after `whsec_` (a bare base64 secret is accepted too)."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("webhook secret must be 'whsec_' followed by base64") from exc
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def sign(msg_id: str, timestamp: int, body: bytes, secret: str) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_headers(
    msg_id: str, body: bytes, secret: str, timestamp: int | None = None
) -> dict[str, str]:
    """The three headers a sender attaches to `body`."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(ts),
        SIGNATURE_HEADER: sign(msg_id, ts, body, secret),
    }


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise WebhookVerificationError(f"missing {name} header")


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    tolerance_s: int = 300,
    now: float | None = None,
) -> None:
    """Raise WebhookVerificationError unless one `v1` signature matches and the timestamp is
    within `tolerance_s` of now (either way: a far-future stamp is as suspect as a stale one)."""
    msg_id = _header(headers, ID_HEADER)
    raw_ts = _header(headers, TIMESTAMP_HEADER)
    signatures = _header(headers, SIGNATURE_HEADER)
    try:
        timestamp = int(raw_ts)
    except ValueError as exc:
        raise WebhookVerificationError("invalid webhook-timestamp") from exc
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        raise WebhookVerificationError("webhook-timestamp outside the tolerance")
    expected = sign(msg_id, timestamp, body, secret).encode()
    # Several space-separated signatures are allowed while a secret is being rotated.
    for candidate in signatures.split():
        if candidate.startswith("v1,") and hmac.compare_digest(candidate.encode(), expected):
            return
    raise WebhookVerificationError("no matching signature")
