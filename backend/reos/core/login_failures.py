"""Failed-login counters for emails that have no account, kept in the cache (Redis when
configured, in-process otherwise) so that every API process sees the same count."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Protocol

import redis


@dataclass
class FailureState:
    failures: int = 0
    lockouts: int = 0
    locked_until: float = 0.0


class FailureCounter(Protocol):
    def get(self, email: str) -> FailureState: ...

    def put(self, email: str, state: FailureState) -> None: ...


def _key(email: str) -> str:
    return "login-failures:" + hashlib.sha256(email.encode()).hexdigest()


class MemoryFailureCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, FailureState] = {}

    def get(self, email: str) -> FailureState:
        with self._lock:
            state = self._states.get(_key(email))
            return FailureState(**vars(state)) if state else FailureState()

    def put(self, email: str, state: FailureState) -> None:
        with self._lock:
            self._states[_key(email)] = state


class RedisFailureCounter:
    def __init__(self, client: redis.Redis, ttl_seconds: int = 86_400) -> None:
        self.client = client
        self.ttl = ttl_seconds
        self.fallback = MemoryFailureCounter()

    def get(self, email: str) -> FailureState:
        try:
            raw = self.client.hgetall(_key(email))
        except redis.RedisError:
            return self.fallback.get(email)
        if not raw:
            return FailureState()
        return FailureState(
            int(raw.get(b"failures", 0)),
            int(raw.get(b"lockouts", 0)),
            float(raw.get(b"locked_until", 0)),
        )

    def put(self, email: str, state: FailureState) -> None:
        try:
            key = _key(email)
            self.client.hset(
                key,
                mapping={
                    "failures": state.failures,
                    "lockouts": state.lockouts,
                    "locked_until": state.locked_until,
                },
            )
            self.client.expire(key, self.ttl)
        except redis.RedisError:
            self.fallback.put(email, state)
