"""Provider callbacks (delivery receipts, bounces, inbound SMS) as signed webhook batches."""

# Mock providers push these into a `CallbackSink`, to be delivered to the app later, signed
# with the Standard Webhooks scheme so the app's receiver verifies them as it would a vendor's.

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx

from providers.webhook import signing

log = logging.getLogger("providers.callbacks")


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


class CallbackDeliverer:
    """The mock vendor's webhook dispatcher: POSTs the callbacks that are due to the app's
    receiver, and retries a failed delivery with a doubling delay, as vendors do.

    The signature's timestamp is the one the callback was signed with, so retries stay within
    the receiver's five-minute tolerance (the delays add up to about a minute).
    """

    def __init__(
        self,
        sink: InMemoryCallbackSink,
        endpoint: Callable[[str], str],
        client: httpx.Client | None = None,
        *,
        interval_s: float = 0.5,
        max_attempts: int = 6,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sink = sink
        self.endpoint = endpoint
        self.client = client or httpx.Client(timeout=10.0, follow_redirects=False)
        self.interval_s = interval_s
        self.max_attempts = max_attempts
        self.clock = clock
        self.attempts: dict[str, int] = {}
        self.delivered = 0
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def deliver_due(self) -> int:
        """Deliver what is due now; returns how many the receiver accepted."""
        accepted = 0
        now = self.clock()
        for callback in self.sink.drain(now):
            message_id = str(callback.headers.get("webhook-id", ""))
            try:
                response = self.client.post(
                    self.endpoint(callback.channel),
                    content=callback.body,
                    headers=dict(callback.headers),
                )
                ok = 200 <= response.status_code < 300
                detail = str(response.status_code)
            except httpx.HTTPError as exc:
                ok, detail = False, type(exc).__name__
            if ok:
                accepted += 1
                self.attempts.pop(message_id, None)
                continue
            attempt = self.attempts.get(message_id, 0) + 1
            if attempt >= self.max_attempts:
                self.attempts.pop(message_id, None)
                log.warning(
                    "callback dropped after %d attempts (channel=%s, last answer %s)",
                    attempt,
                    callback.channel,
                    detail,
                )
                continue
            self.attempts[message_id] = attempt
            self.sink.push(replace(callback, due_at=now + timedelta(seconds=2 ** (attempt - 1))))
        self.delivered += accepted
        return accepted

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="callback-delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.client.close()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval_s):
            try:
                self.deliver_due()
            except Exception:  # the dispatcher must outlive any one bad callback
                log.exception("callback delivery pass failed")
