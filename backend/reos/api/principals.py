"""What the database says about a signed-in session, kept briefly in the process.

Every authenticated request needs the caller's current role and whether the session still
stands (the token alone is not trusted for either, so a logout or a demotion takes effect on
the next request). Reading that costs a database round trip per request, which dominates a
cached read. So the answer is kept in process for `principal_cache_seconds`, and any change
to a user's role, status, password or sessions retires that user's entries as soon as it
commits: the ORM events below watch `User` and `AuthSession` rows in every session of the
process, and code that revokes sessions with a bulk UPDATE calls `note_auth_change`.

What the cache cannot see, it forgets within the TTL: a change committed by another process
(a second API replica) or written to the database by hand.

Entries are keyed by session and checked against the user's *generation*, read before the
database is; a change that commits while a request is reading the old row bumps the
generation, so what that request stores is born stale and never served.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from reos.models import AuthSession, User

AUTH_CHANGES_KEY = "auth_changed_user_ids"


@dataclass(frozen=True)
class SessionFacts:
    """The database's side of a principal: who, in which organization, with which role."""

    user_id: uuid.UUID
    organization_id: uuid.UUID
    session_id: uuid.UUID
    role: str
    email: str
    session_expires_at: datetime


class PrincipalCache:
    def __init__(
        self,
        ttl_seconds: float,
        capacity: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.capacity = capacity
        self.clock = clock
        self._entries: OrderedDict[uuid.UUID, tuple[float, int, SessionFacts]] = OrderedDict()
        self._generations: dict[uuid.UUID, int] = {}
        self._lock = threading.Lock()

    def generation(self, user_id: uuid.UUID) -> int:
        with self._lock:
            return self._generations.get(user_id, 0)

    def get(self, session_id: uuid.UUID) -> SessionFacts | None:
        with self._lock:
            entry = self._entries.get(session_id)
            if entry is None:
                return None
            stored_at, generation, facts = entry
            fresh = self.clock() - stored_at < self.ttl_seconds
            if not fresh or generation != self._generations.get(facts.user_id, 0):
                del self._entries[session_id]
                return None
            self._entries.move_to_end(session_id)
            return facts

    def put(self, facts: SessionFacts, generation: int) -> None:
        """`generation` is the user's, as read before the database was."""
        if self.ttl_seconds <= 0:
            return
        with self._lock:
            self._entries[facts.session_id] = (self.clock(), generation, facts)
            self._entries.move_to_end(facts.session_id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def forget_users(self, user_ids: set[uuid.UUID]) -> None:
        with self._lock:
            for user_id in user_ids:
                self._generations[user_id] = self._generations.get(user_id, 0) + 1


# One per process: the ORM events of every session feed it, whichever app or task made them.
PRINCIPALS = PrincipalCache(ttl_seconds=5.0)


def note_auth_change(session: Session, user_id: uuid.UUID) -> None:
    """Retire `user_id`'s cached sessions once `session` commits (and at once, in case a read
    in flight stores the old state meanwhile: it is then stored under an old generation)."""
    session.info.setdefault(AUTH_CHANGES_KEY, set()).add(user_id)
    PRINCIPALS.forget_users({user_id})


@event.listens_for(Session, "after_flush")
def _watch_auth_rows(session: Session, _flush_context: Any) -> None:
    for row in (*session.dirty, *session.deleted):
        if isinstance(row, User):
            note_auth_change(session, row.id)
        elif isinstance(row, AuthSession):
            note_auth_change(session, row.user_id)


@event.listens_for(Session, "after_commit")
def _retire_after_commit(session: Session) -> None:
    changed: set[uuid.UUID] | None = session.info.pop(AUTH_CHANGES_KEY, None)
    if changed:
        PRINCIPALS.forget_users(changed)


@event.listens_for(Session, "after_rollback")
def _drop_noted_changes(session: Session) -> None:
    # The whole transaction is gone (a savepoint's rollback does not fire this); the bumps
    # made at flush time have retired the entries already, which costs one extra read.
    session.info.pop(AUTH_CHANGES_KEY, None)
