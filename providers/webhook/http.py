"""Webhook delivery over HTTP(S) with httpx: signed, time-boxed, no redirects, SSRF-guarded."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

import httpx

from providers.base import ProviderHealth, TransientProviderError
from providers.webhook.port import (
    DeliveryResult,
    WebhookDelivery,
    WebhookProvider,
    build_request,
    result_for,
)
from providers.webhook.ssrf import Destination, Resolver, check_destination, system_resolver

MAX_RESPONSE_BYTES = 64 * 1024


def pinned_url(url: str, destination: Destination) -> str:
    """The URL with its host replaced by the vetted address (the Host header keeps the name)."""
    parts = urlsplit(url)
    address = destination.address
    host = f"[{address}]" if ":" in address else address
    return urlunsplit(parts._replace(netloc=f"{host}:{destination.port}"))


def host_header(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{parts.port}" if parts.port else host


class HTTPWebhookProvider(WebhookProvider):
    name = "http-webhook"
    mode = "production"

    def __init__(
        self,
        *,
        timeout_s: float = 10.0,
        allow_hosts: Iterable[str] = (),
        resolver: Resolver = system_resolver,
        verify: bool | ssl.SSLContext = True,
    ) -> None:
        self.allow_hosts = tuple(allow_hosts)
        self.resolver = resolver
        self.timeout_s = timeout_s
        self._client = httpx.Client(
            timeout=timeout_s, follow_redirects=False, verify=verify, trust_env=False
        )

    def initialize(self) -> None:
        return None

    def shutdown(self) -> None:
        self._client.close()

    def health(self) -> ProviderHealth:
        return self._health(True, f"timeout {self.timeout_s}s, no redirects, SSRF guard on")

    def deliver(self, delivery: WebhookDelivery) -> DeliveryResult:
        # The guard runs first: nothing is sent to an address it refuses.
        destination = check_destination(delivery.url, self.allow_hosts, self.resolver)
        signed = build_request(delivery)
        headers = {**signed.headers, "host": host_header(delivery.url)}
        # Connecting to the vetted address (with the name for TLS) defeats DNS rebinding.
        extensions = {"sni_hostname": destination.host} if destination.scheme == "https" else {}
        started = time.perf_counter()
        try:
            with self._client.stream(
                "POST",
                pinned_url(delivery.url, destination),
                content=signed.body,
                headers=headers,
                extensions=extensions,
            ) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) >= MAX_RESPONSE_BYTES:
                        break
        except httpx.TimeoutException as exc:
            raise TransientProviderError(f"webhook to {destination.host} timed out") from exc
        except httpx.TransportError as exc:
            raise TransientProviderError(f"webhook to {destination.host} failed: {exc}") from exc
        latency_ms = (time.perf_counter() - started) * 1000
        return result_for(response.status_code, latency_ms, body.decode("utf-8", "replace"))
