"""The outbound webhook port: one signed POST of an event to a subscriber's URL."""

from __future__ import annotations

import json
import time
from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from providers.base import BaseProvider
from providers.webhook import signing

USER_AGENT = "RealEstateOS-Webhooks/1.0"


@dataclass(frozen=True)
class WebhookDelivery:
    url: str
    event_type: str
    payload: Mapping[str, Any]
    secret: str  # "whsec_…", the subscription's own
    message_id: str  # stable across retries, so the subscriber can deduplicate


@dataclass(frozen=True)
class DeliveryResult:
    status_code: int
    latency_ms: float
    response_body: str
    succeeded: bool

    @property
    def subscription_gone(self) -> bool:
        """410 Gone is the subscriber asking us to stop: disable the subscription."""
        return self.status_code == 410


@dataclass(frozen=True)
class SignedRequest:
    headers: dict[str, str]
    body: bytes = field(repr=False)


def build_request(delivery: WebhookDelivery, timestamp: int | None = None) -> SignedRequest:
    """The exact bytes and headers every adapter sends, so mock and real sign identically."""
    ts = int(time.time()) if timestamp is None else timestamp
    document = {
        "type": delivery.event_type,
        "timestamp": datetime.fromtimestamp(ts, UTC).isoformat(),
        "data": dict(delivery.payload),
    }
    body = json.dumps(document, separators=(",", ":"), sort_keys=True, default=str).encode()
    headers = signing.sign_headers(delivery.message_id, body, delivery.secret, ts)
    headers["content-type"] = "application/json"
    headers["user-agent"] = USER_AGENT
    return SignedRequest(headers, body)


def result_for(status_code: int, latency_ms: float, body: str) -> DeliveryResult:
    # Only 2xx counts: a redirect is not followed, so it is a failed delivery.
    return DeliveryResult(status_code, round(latency_ms, 3), body[:2000], 200 <= status_code < 300)


class WebhookProvider(BaseProvider):
    kind = "webhook"

    @abstractmethod
    def deliver(self, delivery: WebhookDelivery) -> DeliveryResult:
        """Return the subscriber's answer, whatever its status; raise TransientProviderError when
        there was no answer (timeout, refused connection) and PermanentProviderError when the URL
        must never be called (bad scheme, a private address)."""
