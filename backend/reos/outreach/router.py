"""HTTP endpoints of /api/v1/outreach available so far."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from reos.api.deps import Principal, SessionDep, require
from reos.api.responses import errors
from reos.core.pagination import Page, PageParams, page_params
from reos.core.security.rbac import Permission
from reos.outreach import service

router = APIRouter(prefix="/outreach", tags=["outreach"])

CanRead = Annotated[Principal, Depends(require(Permission.CAMPAIGNS_READ))]


class OutboxMessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: uuid.UUID
    channel: str
    provider: str
    provider_message_id: str
    recipient: str
    sender: str | None
    subject: str | None
    body_text: str
    body_html: str | None
    status: str
    cost: Decimal | None
    metadata: dict[str, Any] = Field(validation_alias="message_metadata")
    created_at: datetime


@router.get("/outbox", response_model=Page[OutboxMessageOut], responses=errors(401, 403, 404, 429))
def outbox(
    request: Request,
    principal: CanRead,
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[OutboxMessageOut]:
    """Every message the mock providers "sent" for your organization (mock mode only)."""
    rows, total = service.list_outbox(session, mode=request.app.state.settings.mode, page=page)
    return Page[OutboxMessageOut](
        items=[OutboxMessageOut.model_validate(r) for r in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )
