"""Short-lived markers for work in progress (Redis SET NX when configured, in-process otherwise).

Used to answer 409 to a duplicate request while the first one is still running, across API
instances when Redis is shared.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

import redis


class InFlightRegistry(Protocol):
    def acquire(self, key: str, ttl_seconds: int) -> bool: ...

    def release(self, key: str) -> None: ...


class MemoryInFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}

    def acquire(self, key: str, ttl_seconds: int) -> bool:
        now = time.monotonic()
        with self._lock:
            if self._until.get(key, 0.0) > now:
                return False
            self._until[key] = now + ttl_seconds
            return True

    def release(self, key: str) -> None:
        with self._lock:
            self._until.pop(key, None)


class RedisInFlight:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.fallback = MemoryInFlight()

    def acquire(self, key: str, ttl_seconds: int) -> bool:
        try:
            return bool(self.client.set("inflight:" + key, b"1", nx=True, ex=ttl_seconds))
        except redis.RedisError:
            # The database's unique constraint still guarantees one write; the marker only
            # turns a concurrent duplicate into a quick 409.
            return self.fallback.acquire(key, ttl_seconds)

    def release(self, key: str) -> None:
        try:
            self.client.delete("inflight:" + key)
        except redis.RedisError:
            self.fallback.release(key)
