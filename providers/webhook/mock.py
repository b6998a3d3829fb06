"""A webhook provider that signs like the real one and answers per documented test hosts."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from providers.base import ProviderHealth, TransientProviderError
from providers.webhook.port import (
    DeliveryResult,
    SignedRequest,
    WebhookDelivery,
    WebhookProvider,
    build_request,
    result_for,
)
from providers.webhook.ssrf import check_destination

# Hosts under the reserved .test TLD that behave badly on purpose.
ALWAYS_500_HOST = "always-500.webhook.test"
TIMEOUT_HOST = "timeout.webhook.test"
GONE_HOST = "gone.webhook.test"
# Any public address: the mock never looks names up, it only needs a verdict for them.
_PUBLIC_STAND_IN = "1.1.1.1"


def offline_resolver(host: str, port: int) -> list[str]:
    """No DNS in mock mode: localhost names are loopback, every other name counts as public.
    IP literals never reach a resolver, so private ones are refused exactly as in production."""
    if host == "localhost" or host.endswith(".localhost"):
        return ["127.0.0.1"]
    return [_PUBLIC_STAND_IN]


@dataclass(frozen=True)
class RecordedDelivery:
    delivery: WebhookDelivery
    request: SignedRequest
    result: DeliveryResult | None  # None when it timed out
    error: str = ""


class MockWebhookProvider(WebhookProvider):
    name = "mock-webhook"
    mode = "mock"

    def __init__(self, *, latency_ms: float = 0.0, allow_hosts: Iterable[str] = ()) -> None:
        self.latency_ms = latency_ms
        self.allow_hosts = tuple(allow_hosts)
        self.deliveries: list[RecordedDelivery] = []

    def initialize(self) -> None:
        return None

    def shutdown(self) -> None:
        return None

    def health(self) -> ProviderHealth:
        return self._health(True, f"{len(self.deliveries)} deliveries recorded")

    def deliver(self, delivery: WebhookDelivery) -> DeliveryResult:
        check_destination(delivery.url, self.allow_hosts, offline_resolver)
        request = build_request(delivery)
        started = time.perf_counter()
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        host = (urlsplit(delivery.url).hostname or "").lower()
        if host == TIMEOUT_HOST:
            self.deliveries.append(RecordedDelivery(delivery, request, None, "timeout"))
            raise TransientProviderError(f"webhook to {host} timed out")
        status, body = {
            ALWAYS_500_HOST: (500, "internal server error"),
            GONE_HOST: (410, "gone"),
        }.get(host, (200, "ok"))
        result = result_for(status, (time.perf_counter() - started) * 1000, body)
        self.deliveries.append(RecordedDelivery(delivery, request, result))
        return result
