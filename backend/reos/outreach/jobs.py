"""Outreach work done in the worker: one signed webhook delivery, one email.

Each sends through the provider inside `JobContext.once`, so a retried, redelivered or replayed
task never sends twice once its send was recorded.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from providers.base import PermanentProviderError, TransientProviderError
from providers.email.port import EmailMessage
from providers.sms.port import SMSMessage
from providers.webhook.port import WebhookDelivery
from providers.webhook.signing import SECRET_PREFIX, generate_secret, secret_key
from reos.core.phones import DialledNumber
from reos.jobs import JobContext, JobSpec
from reos.models import UnsubscribeList, WebhookLog
from reos.outreach.outbox import ORGANIZATION_KEY

# 408 and 429 are the receiver asking for patience; every other 4xx is a refusal.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})


class DeliverWebhookArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl = Field(description="The receiver; https in production")
    event_type: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9_.]+$")
    payload: dict[str, Any] = Field(default_factory=dict)
    secret: str = Field(
        default_factory=generate_secret,
        description="Signing secret (`whsec_` + base64); generated when omitted",
    )

    @field_validator("secret")
    @classmethod
    def _whsec(cls, value: str) -> str:
        secret_key(value)  # refuses anything but whsec_ + base64, as the signer would
        if not value.startswith(SECRET_PREFIX):
            raise ValueError("must start with whsec_")
        return value


def deliver_webhook(context: JobContext, args: DeliverWebhookArgs) -> dict[str, Any]:
    # The message id is the logical task's: the same on every attempt, retry and replay, so
    # the receiver can deduplicate (Standard Webhooks' `webhook-id`).
    delivery = WebhookDelivery(
        url=str(args.url),
        event_type=args.event_type,
        payload=args.payload,
        secret=args.secret,
        message_id=f"msg_{context.root_id.hex}",
    )
    context.progress(0, 1)

    def send(session: Session) -> dict[str, Any]:
        try:
            result = context.providers.webhook.deliver(delivery)
        except TransientProviderError as exc:
            _log_attempt(context, delivery, status=None, latency=None, body=None, error=str(exc))
            raise
        outcome = {
            "status_code": result.status_code,
            "latency_ms": result.latency_ms,
            "message_id": delivery.message_id,
        }
        if not result.succeeded:
            _log_attempt(
                context,
                delivery,
                status=result.status_code,
                latency=result.latency_ms,
                body=result.response_body,
                error=None,
            )
            message = f"receiver answered {result.status_code}"
            if (
                400 <= result.status_code < 500
                and result.status_code not in RETRYABLE_CLIENT_ERRORS
            ):
                raise PermanentProviderError(message, code=str(result.status_code))
            raise TransientProviderError(message, code=str(result.status_code))
        # Recorded in the same transaction as the effect's key.
        session.add(
            _log_row(
                context,
                delivery,
                status=result.status_code,
                latency=result.latency_ms,
                body=None,
                error=None,
                succeeded=True,
            )
        )
        return outcome

    outcome = context.once("webhook.deliver", send)
    context.progress(1, 1)
    return outcome


def _log_row(
    context: JobContext,
    delivery: WebhookDelivery,
    *,
    status: int | None,
    latency: float | None,
    body: str | None,
    error: str | None,
    succeeded: bool = False,
) -> WebhookLog:
    return WebhookLog(
        event_type=delivery.event_type,
        url=delivery.url,
        # One row per attempt of each run; the delivery's own id is in the signed headers.
        message_id=f"{context.run_id.hex}.{context.attempt}",
        request_body=json.dumps(dict(delivery.payload), sort_keys=True, default=str),
        response_status=status,
        response_body=body,
        latency_ms=round(latency) if latency is not None else None,
        attempt=context.attempt,
        succeeded=succeeded,
        error=error,
    )


def _log_attempt(
    context: JobContext,
    delivery: WebhookDelivery,
    *,
    status: int | None,
    latency: float | None,
    body: str | None,
    error: str | None,
) -> None:
    """A failed attempt is logged in its own transaction: the failure outlives the retry."""
    with context.session() as session:
        session.add(
            _log_row(context, delivery, status=status, latency=latency, body=body, error=error)
        )


class SendEmailArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: EmailStr
    subject: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1, max_length=100_000)
    html: str = Field(default="", max_length=200_000)


def _do_not_contact(context: JobContext, channel: str, address: str) -> bool:
    """The do-not-contact list wins over every send, however the send was started."""
    with context.session() as session:
        listed = session.scalar(
            select(UnsubscribeList.id).where(
                UnsubscribeList.channel.in_((channel, "all")), UnsubscribeList.value == address
            )
        )
    return listed is not None


SUPPRESSED = {"suppressed": True, "reason": "do_not_contact"}


def send_email(context: JobContext, args: SendEmailArgs) -> dict[str, Any]:
    if _do_not_contact(context, "email", str(args.to).lower()):
        return dict(SUPPRESSED)
    message = EmailMessage(
        to=str(args.to),
        subject=args.subject,
        text=args.text,
        html=args.html or f"<p>{args.text}</p>",
        message_id=f"task-{context.root_id}",
        metadata={ORGANIZATION_KEY: str(context.organization_id), "task_id": str(context.root_id)},
    )

    def send(_session: Session) -> dict[str, Any]:
        result = context.providers.email.send(message)
        return {
            "provider_message_id": result.provider_message_id,
            "status": result.status,
            "cost_usd": str(Decimal(str(result.cost_usd))),
        }

    return context.once("email.send", send)


class SendSMSArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: DialledNumber = Field(description="E.164 (+14155550100), or a number of the default region")
    body: str = Field(min_length=1, max_length=1600)


def send_sms(context: JobContext, args: SendSMSArgs) -> dict[str, Any]:
    if _do_not_contact(context, "sms", args.to):
        return dict(SUPPRESSED)
    message = SMSMessage(
        to=args.to,
        body=args.body,
        metadata={ORGANIZATION_KEY: str(context.organization_id), "task_id": str(context.root_id)},
    )

    def send(_session: Session) -> dict[str, Any]:
        result = context.providers.sms.send(message)
        return {
            "provider_message_id": result.provider_message_id,
            "status": result.status,
            "segments": result.segments,
            "cost_usd": str(Decimal(str(result.cost_usd))),
        }

    return context.once("sms.send", send)


DELIVER_WEBHOOK = JobSpec(
    name="webhook.deliver",
    arguments=DeliverWebhookArgs,
    run=deliver_webhook,
    description="POST one signed event (Standard Webhooks) to a URL; 5xx and timeouts retry, "
    "a 4xx is final. Mock hosts: always-500.webhook.test, timeout.webhook.test, "
    "gone.webhook.test.",
    queue="default",
)
SEND_EMAIL = JobSpec(
    name="email.send",
    arguments=SendEmailArgs,
    run=send_email,
    description="Send one email through the email provider (in mock mode: into the outbox; "
    "bounce@, complaint@, ooto@ and invalid@ behave like the real thing). Addresses on the "
    "do-not-contact list are suppressed.",
    queue="high_priority",
)
SEND_SMS = JobSpec(
    name="sms.send",
    arguments=SendSMSArgs,
    run=send_sms,
    description="Send one SMS through the SMS provider (in mock mode: segments and cost as a "
    "carrier counts them; +15550100001..4 are the documented failure and STOP numbers). "
    "Numbers on the do-not-contact list are suppressed.",
    queue="high_priority",
)
