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
from typing import Any, Protocol

import redis
from fastapi import Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from reos.api.deps import container_of
from reos.core.db import after_commit
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
    # True when reads do no I/O, so an async route may serve a hit on the event loop.
    in_process: bool

    def generation(self, organization_id: uuid.UUID) -> int: ...
    def bump(self, organization_id: uuid.UUID) -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl: int) -> None: ...


class MemoryStore:
    """A bounded LRU with expiry, for a single process."""

    in_process = True

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

    in_process = False

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


class PropertyCache:
    def __init__(
        self, store: Store, metrics: ApiMetrics | None = None, ttl_seconds: int = TTL_SECONDS
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.ttl_seconds = ttl_seconds

    def answer(
        self,
        organization_id: uuid.UUID,
        kind: str,
        query: dict[str, Any],
        compute: Callable[[], BaseModel],
    ) -> bytes:
        """The JSON body answering `kind` with `query` for this organization: cached, or
        computed, serialized once and stored. The bytes are what the response sends, so a hit
        costs neither parsing nor validation.

        The generation is read before the database is, so an answer computed from rows that a
        write then changes is stored under a generation that write has already retired.
        """
        key: str | None = None  # stays None if the store fails: no caching under a guessed key
        cached: bytes | None = None
        try:
            key = self._key(organization_id, kind, query)
            cached = self.store.get(key)
        except redis.RedisError as exc:
            log.warning("cache_unavailable", error=str(exc))
            key = None
        self._count(hit=cached is not None)
        if cached is not None:
            return cached
        body = compute().model_dump_json().encode()
        if key is not None:
            try:
                self.store.set(key, body, self.ttl_seconds)
            except redis.RedisError as exc:
                log.warning("cache_unavailable", error=str(exc))
        return body

    async def answer_async(
        self,
        organization_id: uuid.UUID,
        kind: str,
        query: dict[str, Any],
        compute: Callable[[], BaseModel],
    ) -> bytes:
        """`answer` for an async route: a hit in the in-process store is served on the event
        loop (a thread-pool hop would cost more than the read); a miss, or a store that does
        network I/O, runs in the pool."""
        if self.store.in_process:
            cached = self.store.get(self._key(organization_id, kind, query))
            if cached is not None:
                self._count(hit=True)
                return cached
        return await run_in_threadpool(self.answer, organization_id, kind, query, compute)

    def _key(self, organization_id: uuid.UUID, kind: str, query: dict[str, Any]) -> str:
        digest = hashlib.sha256(
            json.dumps(query, sort_keys=True, default=str).encode()
        ).hexdigest()[:32]
        generation = self.store.generation(organization_id)
        return f"{REDIS_PREFIX}:{organization_id}:{generation}:{kind}:{digest}"

    def invalidate(self, organization_id: uuid.UUID) -> None:
        try:
            self.store.bump(organization_id)
        except redis.RedisError as exc:
            # Entries of the old generation may be served until they expire (TTL_SECONDS).
            log.error(
                "cache_invalidation_failed", organization=str(organization_id), error=str(exc)
            )

    def _count(self, *, hit: bool) -> None:
        if self.metrics is not None:
            counter = self.metrics.cache_hits if hit else self.metrics.cache_misses
            counter.labels(CACHE_NAME).inc()


_build_lock = threading.Lock()


def cache_of(request: Request) -> PropertyCache:
    """The app's property cache, built on first use next to its Redis client."""
    state = request.app.state
    cache: PropertyCache | None = getattr(state, "property_cache", None)
    if cache is None:
        with _build_lock:
            cache = getattr(state, "property_cache", None)
            if cache is None:
                client = container_of(request).redis
                metrics = container_of(request).metrics
                cache = (
                    PropertyCache(RedisStore(client), metrics)
                    if client is not None
                    else PropertyCache(MemoryStore(), metrics, MEMORY_TTL_SECONDS)
                )
                state.property_cache = cache
    return cache


async def property_cache(request: Request) -> PropertyCache:
    """The cache as a dependency; async because it does no I/O (no thread-pool hop)."""
    return cache_of(request)


def invalidate_after_write(request: Request, organization_id: uuid.UUID) -> None:
    """Retire the organization's cached reads now and again after the request commits."""
    cache = cache_of(request)
    cache.invalidate(organization_id)
    after_commit(unit_of_work(request.scope).session, lambda: cache.invalidate(organization_id))


def invalidate_organization(client: redis.Redis | None, organization_id: uuid.UUID) -> None:
    """For work outside a request (the CSV import task): retire an organization's cached
    reads in the Redis store the API processes share. Without Redis each API process keeps its
    own cache, which a worker cannot reach; its entries expire within MEMORY_TTL_SECONDS."""
    if client is not None:
        PropertyCache(RedisStore(client)).invalidate(organization_id)
