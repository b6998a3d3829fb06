"""Use cases of outreach available so far: reading the mock outbox."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reos.core.errors import NotFound
from reos.core.pagination import PageParams, paginate
from reos.models import OutboxMessage


def list_outbox(
    session: Session, *, mode: str, page: PageParams
) -> tuple[list[OutboxMessage], int]:
    """The organization's mock outbox, newest first; there is none outside mock mode."""
    if mode != "mock":
        raise NotFound("The outbox exists in mock mode only; real providers keep their own logs.")
    newest_first = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id)
    return paginate(session, newest_first, page)
