"""The principal cache: brief, retired by any change to the user, never serving a read that
raced a change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from reos.api.principals import PRINCIPALS, PrincipalCache, SessionFacts, note_auth_change
from reos.core.db import Database


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def facts(user_id: uuid.UUID | None = None, role: str = "agent") -> SessionFacts:
    return SessionFacts(
        user_id=user_id or uuid.uuid4(),
        organization_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        role=role,
        email="a@example.com",
        session_expires_at=datetime.now(UTC) + timedelta(days=1),
    )


def test_an_entry_lives_for_the_ttl_only() -> None:
    clock = Clock()
    cache = PrincipalCache(ttl_seconds=5, clock=clock)
    entry = facts()
    cache.put(entry, cache.generation(entry.user_id))
    clock.now += 4.9
    assert cache.get(entry.session_id) == entry
    clock.now += 0.2
    assert cache.get(entry.session_id) is None


def test_a_change_to_the_user_retires_all_their_sessions() -> None:
    cache = PrincipalCache(ttl_seconds=60)
    user_id = uuid.uuid4()
    first, second, other = facts(user_id), facts(user_id), facts()
    for entry in (first, second, other):
        cache.put(entry, cache.generation(entry.user_id))
    cache.forget_users({user_id})
    assert cache.get(first.session_id) is None
    assert cache.get(second.session_id) is None
    assert cache.get(other.session_id) == other


def test_a_read_that_raced_a_change_is_born_stale() -> None:
    cache = PrincipalCache(ttl_seconds=60)
    entry = facts(role="admin")
    generation = cache.generation(entry.user_id)  # read before the database...
    cache.forget_users({entry.user_id})  # ...a demotion commits meanwhile...
    cache.put(entry, generation)  # ...and the old role is stored afterwards
    assert cache.get(entry.session_id) is None


def test_a_zero_ttl_caches_nothing() -> None:
    cache = PrincipalCache(ttl_seconds=0)
    entry = facts()
    cache.put(entry, 0)
    assert cache.get(entry.session_id) is None


def test_capacity_evicts_the_least_recently_used() -> None:
    cache = PrincipalCache(ttl_seconds=60, capacity=2)
    a, b, c = facts(), facts(), facts()
    cache.put(a, 0)
    cache.put(b, 0)
    assert cache.get(a.session_id) == a  # a is now the most recent
    cache.put(c, 0)
    assert cache.get(b.session_id) is None
    assert cache.get(a.session_id) == a


def test_noting_a_change_retires_at_once_and_again_after_commit(database: Database) -> None:
    session = database.session()
    user_id = uuid.uuid4()
    before = PRINCIPALS.generation(user_id)
    note_auth_change(session, user_id)
    assert PRINCIPALS.generation(user_id) == before + 1
    session.commit()
    session.close()
    assert PRINCIPALS.generation(user_id) == before + 2
