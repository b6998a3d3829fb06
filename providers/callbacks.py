"""Provider callbacks (delivery receipts, bounces, inbound SMS) as signed webhook batches."""

# Mock providers push these into a `CallbackSink`, to be delivered to the app later, signed
# with the Standard Webhooks scheme so the app's receiver verifies them as it would a vendor's.

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from providers.webhook import signing


@dataclass(frozen=True)
class ProviderCallback:
    """One signed POST a vendor would make to the app, due at `due_at`."""

    channel: str  # "email" or "sms": which receiver the app routes it to
    headers: Mapping[str, str]
    body: bytes
    due_at: datetime
    events: tuple[Any, ...] = field(default=())


class CallbackSink(Protocol):
    def push(self, callback: ProviderCallback) -> None: ...


class InMemoryCallbackSink:
    """Holds callbacks until the app (or a test) drains the ones that are due."""

    def __init__(self) -> None:
        self._pending: list[ProviderCallback] = []
        self._lock = threading.Lock()

    def push(self, callback: ProviderCallback) -> None:
        with self._lock:
            self._pending.append(callback)

    def pending(self) -> list[ProviderCallback]:
        with self._lock:
            return list(self._pending)

    def drain(self, now: datetime) -> list[ProviderCallback]:
        """Remove and return, oldest first, the callbacks due by `now`."""
        with self._lock:
            due = [c for c in self._pending if c.due_at <= now]
            self._pending = [c for c in self._pending if c.due_at > now]
        return sorted(due, key=lambda c: c.due_at)


def sign_batch(
    channel: str, events: Sequence[Mapping[str, Any]], secret: str, timestamp: int
) -> tuple[dict[str, str], bytes]:
    """Serialize a batch of events as `{"type", "data"}` JSON and sign it: (headers, body)."""
    body = json.dumps(
        {"type": f"{channel}.events", "data": list(events)}, separators=(",", ":"), sort_keys=True
    ).encode()
    headers = signing.sign_headers(f"msg_{uuid.uuid4().hex}", body, secret, timestamp)
    headers["content-type"] = "application/json"
    return headers, body


def open_batch(
    channel: str,
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    tolerance_s: int = 300,
    now: float | None = None,
) -> list[dict[str, Any]]:
    """Verify a signed batch and return its events; WebhookVerificationError if not genuine."""
    signing.verify(headers, body, secret, tolerance_s, now)
    document = json.loads(body)
    if not isinstance(document, dict) or document.get("type") != f"{channel}.events":
        raise signing.WebhookVerificationError(f"not a {channel} event batch")
    data = document.get("data")
    if not isinstance(data, list):
        raise signing.WebhookVerificationError("event batch has no data list")
    return data
