"""Recording audit entries inside the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from reos.models import AuditLog


def record(
    session: Session,
    *,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str | None,
    actor_user_id: uuid.UUID | None,
    changes: dict[str, Any] | None = None,
    organization_id: uuid.UUID | None = None,
) -> None:
    """Add an audit entry; it commits or rolls back with the change it describes."""
    entry = AuditLog(
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id) if entity_id else None,
        actor_user_id=actor_user_id,
        changes=changes,
    )
    if organization_id is not None:
        entry.organization_id = organization_id
    session.add(entry)
