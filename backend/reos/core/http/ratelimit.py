"""Sliding-window rate limiting per user (or per client IP), with IETF RateLimit headers.

The window is a sliding window *counter* (the current and the previous fixed window, the
previous one weighted by how much of it still overlaps): constant work and memory per key,
where an exact moving window keeps a timestamp per request and trims the list on every hit.

Backed by Redis when REDIS_URL is set, in-process otherwise. If Redis stops answering, requests
are let through (fail open) and the limiter reports itself unhealthy to /readyz.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reos.core.errors import TooManyRequests
from reos.core.http.asgi import header, send_problem, set_header
from reos.core.logging import get_logger
from reos.core.metrics import ApiMetrics

log = get_logger("reos.ratelimit")

# Returns the authenticated user's id for a bearer token, or None.
BearerIdentifier = Callable[[str], str | None]


@dataclass(frozen=True)
class Policy:
    name: str
    limit: RateLimitItem

    @property
    def window_seconds(self) -> int:
        return int(self.limit.get_expiry())

    def policy_header(self) -> bytes:
        return f'"{self.name}";q={self.limit.amount};w={self.window_seconds}'.encode()


class ClientAddress:
    """The caller's IP: X-Forwarded-For is believed only when the peer is a trusted proxy."""

    def __init__(self, trusted_proxies: list[str]) -> None:
        self.trusted = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def _is_trusted(self, ip: str) -> bool:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    def __call__(self, scope: Scope) -> str:
        peer = scope["client"][0] if scope.get("client") else "unknown"
        forwarded = header(scope, b"x-forwarded-for")
        if not forwarded or not self._is_trusted(peer):
            return str(peer)
        # Walk from the nearest hop outwards; the first untrusted address is the client.
        for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
            if not self._is_trusted(hop):
                return hop
        return str(peer)


class RateLimiter:
    def __init__(self, redis_url: str = "") -> None:
        uri = "async+" + redis_url if redis_url else "async+memory://"
        options = {"implementation": "redispy"} if redis_url else {}
        self.backend = "redis" if redis_url else "memory"
        self.storage = storage_from_string(uri, **options)
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)
        self.healthy = True
        self._last_warning = 0.0

    async def hit(self, policy: Policy, key: str) -> tuple[bool, int, int]:
        """Count one request; returns (allowed, remaining, seconds until a slot frees)."""
        try:
            allowed = await self.strategy.hit(policy.limit, policy.name, key)
            stats = await self.strategy.get_window_stats(policy.limit, policy.name, key)
        except Exception as exc:  # any storage failure: fail open, but say so
            self._degraded(exc)
            return True, policy.limit.amount, policy.window_seconds
        self.healthy = True
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return allowed, stats.remaining, reset

    def _degraded(self, exc: Exception) -> None:
        self.healthy = False
        now = time.monotonic()
        if now - self._last_warning > 30:  # one warning per 30 s, not one per request
            self._last_warning = now
            log.warning("rate_limit_store_unavailable", backend=self.backend, error=str(exc))


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        default: str,
        auth: str,
        identify_bearer: BearerIdentifier,
        client_address: ClientAddress,
        metrics: ApiMetrics,
        auth_paths: tuple[str, ...] = (
            "/api/v1/auth/login",
            "/api/v1/auth/register",
            "/api/v1/auth/refresh",
        ),
        exempt_paths: tuple[str, ...] = (
            "/api/v1/healthz",
            "/api/v1/readyz",
            "/api/v1/metrics",
        ),
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.default = Policy("default", parse(default))
        self.auth = Policy("auth", parse(auth))
        self.identify_bearer = identify_bearer
        self.client_address = client_address
        self.metrics = metrics
        self.auth_paths = auth_paths
        self.exempt_paths = exempt_paths

    def _key(self, scope: Scope, policy: Policy) -> str:
        if policy is self.default:
            authorization = header(scope, b"authorization") or ""
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() == "bearer" and token:
                user_id = self.identify_bearer(token.strip())
                if user_id:
                    return "user:" + user_id
        return "ip:" + self.client_address(scope)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        policy = self.auth if path in self.auth_paths else self.default
        allowed, remaining, reset = await self.limiter.hit(policy, self._key(scope, policy))
        self.metrics.rate_limit_backend_up.set(1 if self.limiter.healthy else 0)
        state = f'"{policy.name}";r={remaining};t={reset}'.encode()
        if not allowed:
            self.metrics.rate_limited.labels(policy.name).inc()
            error = TooManyRequests(
                f"Rate limit of {policy.limit.amount} requests per {policy.window_seconds}s "
                f"exceeded; retry in {max(1, reset)}s.",
                retry_after=max(1, reset),
            )
            await send_problem(
                send,
                error.problem(path),
                [
                    (b"retry-after", str(max(1, reset)).encode()),
                    (b"ratelimit-policy", policy.policy_header()),
                    (b"ratelimit", state),
                ],
            )
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                set_header(message, b"ratelimit-policy", policy.policy_header())
                set_header(message, b"ratelimit", state)
            await send(message)

        await self.app(scope, receive, send_with_headers)
