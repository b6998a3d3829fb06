"""Cache-aside for property reads, per organization.

Every key carries the organization id and that organization's *generation*; a write bumps the
generation, so all of the organization's entries become unreachable at once without scanning
keys (old entries simply expire). Redis when the app has one, else a bounded in-process store.

A write bumps the generation twice: when it happens, and again once its transaction has
committed. The second bump drops whatever a concurrent read cached from the database between
the first bump and the commit (the old rows), so a read that follows a write never sees the
old state.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import redis
from fastapi import Request

from reos.core.http.unit_of_work import unit_of_work
from reos.core.logging import get_logger
from reos.core.metrics import ApiMetrics

log = get_logger("reos.properties.cache")

CACHE_NAME = "properties"
TTL_SECONDS = 60
# Without Redis a worker's writes (imports, valuations) cannot reach an API process's cache,
# so its entries live briefly: a finished task's rows show within this many seconds.
MEMORY_TTL_SECONDS = 5
MAX_MEMORY_ENTRIES = 2048
REDIS_PREFIX = "reos:cache:properties"


class Store(Protocol):
    def generation(self, organization_id: uuid.UUID) -> int: ...
    def bump(self, organization_id: uuid.UUID) -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl: int) -> None: ...


class MemoryStore:
    """A bounded LRU with expiry, for a single process."""

    def __init__(
        self, max_entries: int = MAX_MEMORY_ENTRIES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        # One integer per organization, never evicted: a generation that went back to 0 could
        # make entries cached under an earlier 0 reachable again.
        self._generations: dict[uuid.UUID, int] = {}
        self._lock = threading.Lock()

    def generation(self, organization_id: uuid.UUID) -> int:
        with self._lock:
            return self._generations.get(organization_id, 0)

    def bump(self, organization_id: uuid.UUID) -> None:
        with self._lock:
            self._generations[organization_id] = self._generations.get(organization_id, 0) + 1

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires <= self.clock():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, ttl: int) -> None:
        with self._lock:
            self._entries[key] = (self.clock() + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class RedisStore:
    """Shared by every API process. A failing Redis is a cache miss, never an error."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def _generation_key(self, organization_id: uuid.UUID) -> str:
        return f"{REDIS_PREFIX}:gen:{organization_id}"

    def generation(self, organization_id: uuid.UUID) -> int:
        raw = self.client.get(self._generation_key(organization_id))
        return int(raw) if raw is not None else 0

    def bump(self, organization_id: uuid.UUID) -> None:
        self.client.incr(self._generation_key(organization_id))

    def get(self, key: str) -> bytes | None:
        raw = self.client.get(key)
        return raw if isinstance(raw, bytes) else None

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self.client.set(key, value, ex=ttl)


@dataclass(frozen=True)
class Lookup:
    """What a read found, and the key to store its answer under on a miss."""

    key: str
    value: Any | None

    @property
    def hit(self) -> bool:
        return self.value is not None


class PropertyCache:
    def __init__(
        self, store: Store, metrics: ApiMetrics | None = None, ttl_seconds: int = TTL_SECONDS
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.ttl_seconds = ttl_seconds

    def lookup(self, organization_id: uuid.UUID, kind: str, query: dict[str, Any]) -> Lookup:
        """The cached answer to `kind` with `query` for this organization, if any.

        The generation is read before the database is, so an answer computed from rows that a
        write then changes is stored under a generation that write has already retired.
        """
        digest = hashlib.sha256(
            json.dumps(query, sort_keys=True, default=str).encode()
        ).hexdigest()[:32]
        try:
            generation = self.store.generation(organization_id)
            key = f"{REDIS_PREFIX}:{organization_id}:{generation}:{kind}:{digest}"
            raw = self.store.get(key)
        except redis.RedisError as exc:
            log.warning("cache_unavailable", error=str(exc))
            return self._count(Lookup("", None))
        return self._count(Lookup(key, json.loads(raw) if raw is not None else None))

    def store_answer(self, lookup: Lookup, value: Any) -> None:
        if not lookup.key:
            return  # the store failed during the lookup; do not cache under a guessed key
        try:
            self.store.set(lookup.key, json.dumps(value).encode(), self.ttl_seconds)
        except redis.RedisError as exc:
            log.warning("cache_unavailable", error=str(exc))

    def invalidate(self, organization_id: uuid.UUID) -> None:
        try:
            self.store.bump(organization_id)
        except redis.RedisError as exc:
            # Entries of the old generation may be served until they expire (TTL_SECONDS).
            log.error(
                "cache_invalidation_failed", organization=str(organization_id), error=str(exc)
            )

    def _count(self, lookup: Lookup) -> Lookup:
        if self.metrics is not None:
            counter = self.metrics.cache_hits if lookup.hit else self.metrics.cache_misses
            counter.labels(CACHE_NAME).inc()
        return lookup


_build_lock = threading.Lock()


def property_cache(request: Request) -> PropertyCache:
    """The app's property cache (a dependency), built on first use next to its Redis client."""
    state = request.app.state
    cache: PropertyCache | None = getattr(state, "property_cache", None)
    if cache is None:
        with _build_lock:
            cache = getattr(state, "property_cache", None)
            if cache is None:
                client = getattr(state, "redis", None)
                metrics = getattr(state, "metrics", None)
                cache = (
                    PropertyCache(RedisStore(client), metrics)
                    if client is not None
                    else PropertyCache(MemoryStore(), metrics, MEMORY_TTL_SECONDS)
                )
                state.property_cache = cache
    return cache


def invalidate_after_write(request: Request, organization_id: uuid.UUID) -> None:
    """Retire the organization's cached reads now and again after the request commits."""
    cache = property_cache(request)
    cache.invalidate(organization_id)
    unit_of_work(request.scope).after_commit.append(lambda: cache.invalidate(organization_id))


def invalidate_organization(client: redis.Redis | None, organization_id: uuid.UUID) -> None:
    """For work outside a request (the CSV import task): retire an organization's cached
    reads in the Redis store the API processes share. Without Redis each API process keeps its
    own cache, which a worker cannot reach; its entries expire within MEMORY_TTL_SECONDS."""
    if client is not None:
        PropertyCache(RedisStore(client)).invalidate(organization_id)
