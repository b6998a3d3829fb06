"""`record`: the one call a service makes for a state change.

The event row is added to the caller's session (so it commits with the change), the in-
transaction subscribers run (audit, history), and the event is remembered on the session for
the process's commit listeners (cache retirement), which read it with `committed` once the
transaction has committed. A rollback forgets it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from reos.core.after_commit import commit_buffer, drain_commit_buffer
from reos.core.db import TenancyError, current_org, utcnow
from reos.events import subscribers as _subscribers  # noqa: F401 - registers them
from reos.events.catalog import DomainEvent
from reos.events.registry import subscribers_of
from reos.models import Event

BUFFER = "events"


@dataclass(frozen=True)
class Recorded:
    """What a commit listener learns of a committed event."""

    type: str
    organization_id: uuid.UUID
    entity_id: str | None


def record(
    session: Session,
    event: DomainEvent,
    *,
    organization_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """Record `event` in the session's transaction, under the session's organization (or
    `organization_id` for a receiver that resolves it per message), and run its subscribers."""
    organization_id = organization_id or current_org(session)
    if organization_id is None:
        raise TenancyError(f"{event.type} recorded outside any organization")
    row = Event(
        organization_id=organization_id,
        type=event.type,
        entity_type=event.entity_type,
        entity_id=event.entity_id(),
        actor_user_id=event.actor_user_id,
        payload=event.payload(),
        occurred_at=occurred_at or utcnow(),
    )
    session.add(row)
    for subscriber in subscribers_of(event.type):
        subscriber(session, event, row)
    commit_buffer(session, BUFFER).append(Recorded(event.type, organization_id, row.entity_id))
    return row


def pending(session: Session) -> list[Recorded]:
    """The events the session's open transaction has recorded so far."""
    return list(commit_buffer(session, BUFFER))


def committed(session: Session) -> list[Recorded]:
    """The events of the transaction that just committed (each handed out once); a commit
    listener's call."""
    recorded: list[Recorded] = drain_commit_buffer(session, BUFFER)
    return recorded
