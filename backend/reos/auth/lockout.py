"""Lockout arithmetic shared by real accounts (stored on the user) and unknown emails.

Unknown emails are locked out exactly like real accounts, from a counter kept in the cache
(`reos.core.login_failures`), so a 429 after five failures never reveals whether an account
exists.
"""

from __future__ import annotations

import time

from reos.core.login_failures import FailureState


def lockout_minutes(previous_lockouts: int) -> int:
    """2^n minutes, n = lockouts so far (1, 2, 4, ... capped at one day)."""
    return int(min(2**previous_lockouts, 24 * 60))


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
