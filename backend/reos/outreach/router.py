"""HTTP endpoints of /api/v1/outreach available so far."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from reos.api.deps import Principal, SessionDep, container_of, require
from reos.api.responses import errors
from reos.core.pagination import Page, PageParams, page_params
from reos.core.security.rbac import Permission
from reos.outreach import callbacks, service

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
    rows, total = service.list_outbox(session, mode=container_of(request).settings.mode, page=page)
    return Page[OutboxMessageOut].of(rows, total, page)


class CallbackReceiptOut(BaseModel):
    accepted: int
    duplicates: int
    unmatched: int
    do_not_contact: list[str]


async def _receive(request: Request, session: SessionDep, channel: str) -> CallbackReceiptOut:
    providers = container_of(request).providers
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    parse = callbacks.email_events if channel == "email" else callbacks.sms_events
    events = parse(headers, body, providers.callback_secret)
    provider = providers.email.name if channel == "email" else providers.sms.name
    receipt = await run_in_threadpool(callbacks.record, session, events, provider)
    return CallbackReceiptOut(
        accepted=receipt.accepted,
        duplicates=receipt.duplicates,
        unmatched=receipt.unmatched,
        do_not_contact=receipt.do_not_contact,
    )


@router.post("/webhooks/email", response_model=CallbackReceiptOut, responses=errors(400, 401, 429))
async def email_callbacks(request: Request, session: SessionDep) -> CallbackReceiptOut:
    """Email provider events (delivered, bounces, complaints, auto-replies), signed with the
    provider callback secret; no bearer token. A hard bounce or complaint adds the address to
    the do-not-contact list. A repeated event is counted as a duplicate, not recorded twice."""
    return await _receive(request, session, "email")


@router.post("/webhooks/sms", response_model=CallbackReceiptOut, responses=errors(400, 401, 429))
async def sms_callbacks(request: Request, session: SessionDep) -> CallbackReceiptOut:
    """SMS provider events (delivered, undelivered, inbound replies), signed like email's; a
    STOP reply adds the number to the do-not-contact list."""
    return await _receive(request, session, "sms")
