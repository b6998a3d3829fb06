"""Lockout arithmetic shared by real accounts (stored on the user) and unknown emails.

Unknown emails are locked out exactly like real accounts, from a counter kept in the cache, so
a 429 after five failures never reveals whether an account exists.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis


def lockout_minutes(previous_lockouts: int) -> int:
    """2^n minutes, n = lockouts so far (1, 2, 4, ... capped at one day)."""
    return int(min(2**previous_lockouts, 24 * 60))


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


def register_failure(state: FailureState, max_failures: int, now: float) -> FailureState:
    """The state after one more failed attempt; locks once `max_failures` are reached."""
    failures = state.failures + 1
    if failures >= max_failures:
        minutes = lockout_minutes(state.lockouts)
        return FailureState(0, state.lockouts + 1, now + minutes * 60)
    return FailureState(failures, state.lockouts, state.locked_until)


def seconds_locked(state: FailureState, now: float | None = None) -> int:
    remaining = state.locked_until - (now if now is not None else time.time())
    return max(0, int(remaining + 0.999))
