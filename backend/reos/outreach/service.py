"""Use cases of outreach available so far: reading the mock outbox."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reos.core.errors import NotFound
from reos.core.pagination import PageParams
from reos.models import OutboxMessage


def list_outbox(
    session: Session, *, mode: str, page: PageParams
) -> tuple[list[OutboxMessage], int]:
    """The organization's mock outbox, newest first; there is none outside mock mode."""
    if mode != "mock":
        raise NotFound("The outbox exists in mock mode only; real providers keep their own logs.")
    total = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    rows = session.scalars(
        select(OutboxMessage)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id)
        .offset(page.offset)
        .limit(page.page_size)
    ).all()
    return list(rows), total
