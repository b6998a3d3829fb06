"""What waits for a transaction to commit: the buffers services fill on their session (task
messages, recorded events, callbacks), drained by the unit of work's owner once the commit
succeeded (`reos.core.db.Database.committed`) and discarded with a rollback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

BUFFERS_KEY = "reos.after_commit"
CommitListener = Callable[[Session], None]


def commit_buffer(session: Session, name: str) -> list[Any]:
    """A list on the session for what must happen only once its transaction commits (task
    messages, events to publish); the unit of work's owner drains it after the commit, and a
    rollback discards it with the change it belonged to."""
    buffers: dict[str, list[Any]] = session.info.setdefault(BUFFERS_KEY, {})
    return buffers.setdefault(name, [])


def drain_commit_buffer(session: Session, name: str) -> list[Any]:
    buffers: dict[str, list[Any]] = session.info.get(BUFFERS_KEY, {})
    return buffers.pop(name, [])


def has_commit_work(session: Session) -> bool:
    return bool(session.info.get(BUFFERS_KEY))


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction has committed; it is dropped on rollback."""
    commit_buffer(session, "callbacks").append(callback)


def discard_after_commit(session: Session) -> None:
    """Forget what a transaction that rolled back had buffered."""
    session.info.pop(BUFFERS_KEY, None)
