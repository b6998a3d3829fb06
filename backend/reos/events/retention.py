"""Keeping the event log to its retention period (EVENT_RETENTION_DAYS)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from reos.models import Event


def purge_before(session: Session, *, cutoff: datetime) -> int:
    """Delete the session's organization's events that occurred before `cutoff`.

    The app role may not delete events on PostgreSQL (the log is append-only for it), so there
    the deletion runs in `reos_purge_events`, which deletes only the calling organization's old
    events (migration 0010). SQLite has no roles: the same deletion, through the ORM filter.
    """
    if session.get_bind().dialect.name == "postgresql":
        purged = session.execute(text("SELECT reos_purge_events(:cutoff)"), {"cutoff": cutoff})
        return int(purged.scalar() or 0)
    result = session.execute(
        delete(Event).where(Event.occurred_at < cutoff).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
