"""Prometheus metrics of the API, in a registry of its own (so tests can build many apps)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


@dataclass
class ApiMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "reos_http_requests_total",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "reos_http_request_duration_seconds",
            "HTTP request latency by route template and method",
            ["route", "method"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.rate_limited = Counter(
            "reos_rate_limited_total",
            "Requests refused by the rate limiter",
            ["policy"],
            registry=self.registry,
        )
        self.rate_limit_backend_up = Gauge(
            "reos_rate_limit_backend_up",
            "1 when the rate-limit store answers",
            registry=self.registry,
        )
        self.idempotent_replays = Counter(
            "reos_idempotent_replays_total",
            "Responses replayed for a reused Idempotency-Key",
            registry=self.registry,
        )
        self.cache_hits = Counter(
            "reos_cache_hits_total",
            "Reads answered from the read cache",
            ["cache"],
            registry=self.registry,
        )
        self.cache_misses = Counter(
            "reos_cache_misses_total",
            "Reads the read cache could not answer",
            ["cache"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
