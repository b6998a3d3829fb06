"""The receiver of provider callbacks: delivery receipts, bounces, complaints, auto-replies,
SMS status and STOP replies, as signed batches (Standard Webhooks signatures).

A callback carries no bearer token: it is trusted because its signature verifies with the
provider callback secret. Each event is filed under the organization that sent the message
(found by `reos_message_organization()` on PostgreSQL, where RLS hides the rows), recorded once
(`provider_event_id` is unique, so a vendor's retry is a duplicate, not a second event), and
acted on: a hard bounce or a complaint puts the address on the do-not-contact list, and so does
a STOP reply for the number.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from providers.email import port as email
from providers.sms import port as sms
from providers.webhook.signing import WebhookVerificationError
from reos import events as domain_events
from reos.core.db import bind_tenant
from reos.core.errors import BadRequest, Unauthorized
from reos.core.logging import get_logger
from reos.events.catalog import MessageReported
from reos.models import DeliverabilityEvent, OutboxMessage, OutreachAttempt, UnsubscribeList

log = get_logger("reos.callbacks")
T = TypeVar("T")

EMAIL_EVENTS = {
    email.DELIVERED: "delivered",
    email.HARD_BOUNCE: "bounce_hard",
    email.SOFT_BOUNCE: "bounce_soft",
    email.COMPLAINT: "complaint",
    email.AUTO_REPLY: "auto_reply",
}
SMS_EVENTS = {sms.DELIVERED: "delivered", sms.UNDELIVERED: "failed"}
# Carrier opt-out keywords (CTIA): any of them, alone, is a STOP.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
ATTEMPT_STATUS = {
    "delivered": "delivered",
    "bounce_hard": "bounced",
    "complaint": "complained",
    "failed": "failed",
    "stop_reply": "replied",
}
DO_NOT_CONTACT = {"bounce_hard": "bounce", "complaint": "complaint", "stop_reply": "stop_reply"}


@dataclass(frozen=True)
class Event:
    """One vendor event, reduced to what the platform records."""

    event_type: str
    provider_event_id: str
    provider_message_id: str
    channel: str
    address: str  # the lead's email or phone number
    occurred_at: datetime
    payload: Mapping[str, object]
    # An inbound reply names no message of ours: matched by who wrote back.
    match_sender: bool = False


@dataclass
class Receipt:
    accepted: int = 0
    duplicates: int = 0
    unmatched: int = 0
    ignored: int = 0
    do_not_contact: list[str] = field(default_factory=list)


def email_events(headers: Mapping[str, str], body: bytes, secret: str) -> list[Event]:
    return [
        Event(
            EMAIL_EVENTS[e.event_type],
            e.provider_event_id,
            e.provider_message_id,
            "email",
            e.recipient.lower(),
            e.occurred_at,
            e.to_dict(),
        )
        for e in _verified(email.load_email_events, headers, body, secret)
        if e.event_type in EMAIL_EVENTS
    ]


def sms_events(headers: Mapping[str, str], body: bytes, secret: str) -> list[Event]:
    events = []
    for e in _verified(sms.load_sms_events, headers, body, secret):
        if e.event_type == sms.INBOUND:
            if e.body.strip().upper() not in STOP_WORDS:
                continue  # a conversational reply: not a deliverability event
            events.append(
                Event(
                    "stop_reply",
                    e.provider_event_id,
                    e.provider_message_id,
                    "sms",
                    e.from_number,
                    e.occurred_at,
                    e.to_dict(),
                    match_sender=True,
                )
            )
        elif e.event_type in SMS_EVENTS:
            events.append(
                Event(
                    SMS_EVENTS[e.event_type],
                    e.provider_event_id,
                    e.provider_message_id,
                    "sms",
                    e.to_number,
                    e.occurred_at,
                    e.to_dict(),
                )
            )
    return events


def _verified(
    load: Callable[[Mapping[str, str], bytes, str], list[T]],
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
) -> list[T]:
    try:
        return load(headers, body, secret)
    except WebhookVerificationError as exc:
        raise Unauthorized("The callback's signature does not verify.") from exc
    except (KeyError, ValueError, TypeError) as exc:
        raise BadRequest("The callback batch is malformed.") from exc


def record(session: Session, events: list[Event], provider: str) -> Receipt:
    """File each event under its organization, once, and act on it."""
    receipt = Receipt()
    for event in events:
        organization = _organization(session, event)
        if organization is None:
            receipt.unmatched += 1
            log.warning("callback_unmatched", channel=event.channel, event_type=event.event_type)
            continue
        bind_tenant(session, organization)
        known = session.scalar(
            select(DeliverabilityEvent.id).where(
                DeliverabilityEvent.provider_event_id == event.provider_event_id
            )
        )
        if known is not None:
            receipt.duplicates += 1
            continue
        attempt = session.scalar(_attempt_of(event))
        session.add(
            DeliverabilityEvent(
                attempt_id=attempt.id if attempt else None,
                event_type=event.event_type,
                recipient=event.address,
                provider=provider,
                provider_event_id=event.provider_event_id,
                payload=dict(event.payload),
                occurred_at=event.occurred_at,
            )
        )
        status = ATTEMPT_STATUS.get(event.event_type)
        if attempt is not None and status is not None:
            attempt.status = status
            if status == "delivered":
                attempt.delivered_at = event.occurred_at
        outbox = session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.provider_message_id == event.provider_message_id
            )
        )
        if outbox is not None:
            outbox.status = event.event_type
        suppressed = event.event_type in DO_NOT_CONTACT
        if suppressed:
            _do_not_contact(session, event)
            receipt.do_not_contact.append(event.address)
        reported = MessageReported(
            attempt_id=attempt.id if attempt else None,
            channel=event.channel,
            report=event.event_type,
            provider=provider,
            suppressed=suppressed,
        )
        domain_events.record(session, reported, organization_id=organization)
        session.flush()  # under this event's organization, before the next one binds another
        receipt.accepted += 1
    bind_tenant(session, None)
    return receipt


def _attempt_of(event: Event) -> Select[OutreachAttempt]:
    """The attempt an event is about: by message id, or for a reply the latest attempt to
    the address that wrote back."""
    query = select(OutreachAttempt)
    if event.match_sender:
        return (
            query.where(
                OutreachAttempt.channel == event.channel, OutreachAttempt.recipient == event.address
            )
            .order_by(OutreachAttempt.created_at.desc())
            .limit(1)
        )
    return query.where(OutreachAttempt.provider_message_id == event.provider_message_id)


def _organization(session: Session, event: Event) -> uuid.UUID | None:
    sender = event.address if event.match_sender else None
    if session.get_bind().dialect.name == "postgresql":
        found = session.execute(
            text("SELECT reos_message_organization(:message_id, :sender)"),
            {"message_id": event.provider_message_id, "sender": sender},
        ).scalar()
        return uuid.UUID(str(found)) if found else None
    # SQLite has no RLS: the same look-up, across organizations on purpose.
    for model in (OutreachAttempt, OutboxMessage):
        query = select(model.organization_id).execution_options(all_tenants=True)
        if sender is None:
            query = query.where(model.provider_message_id == event.provider_message_id)
        else:
            query = query.where(model.recipient == sender).order_by(model.created_at.desc())
        found = session.scalar(query.limit(1))
        if found is not None:
            return uuid.UUID(str(found))
    return None


def _do_not_contact(session: Session, event: Event) -> None:
    exists = session.scalar(
        select(UnsubscribeList.id).where(
            UnsubscribeList.channel == event.channel, UnsubscribeList.value == event.address
        )
    )
    if exists is None:
        session.add(
            UnsubscribeList(
                channel=event.channel,
                value=event.address,
                source=DO_NOT_CONTACT[event.event_type],
                reason=f"{event.event_type} reported by the provider",
                consent_log=[
                    {
                        "event": event.event_type,
                        "at": event.occurred_at.isoformat(),
                        "by": "provider",
                    }
                ],
            )
        )
