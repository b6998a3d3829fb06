"""The domain event log (`reos.events`): one row per state change, written in the change's
own transaction. Rows are never updated; the retention job deletes the old ones."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Identity, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reos.core.db import Base, TenantScoped, utcnow

# PostgreSQL: a bigint identity. SQLite: an INTEGER PRIMARY KEY, its rowid, which also grows.
EVENT_ID = BigInteger().with_variant(Integer, "sqlite")


class Event(TenantScoped, Base):
    __tablename__ = "events"
    __table_args__ = (
        # The stream's cursor: an organization's events after a given id, in order.
        Index("ix_events_organization_id_id", "organization_id", "id"),
        # One kind of event of an organization (history views, retention by type).
        Index("ix_events_organization_id_type_id", "organization_id", "type", "id"),
        Index("ix_events_organization_id_occurred_at", "organization_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(EVENT_ID, Identity(), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(200))
    # No foreign key: the log is kept as written, whatever becomes of the user later.
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
