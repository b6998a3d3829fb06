"""Campaigns, templates, outreach attempts, deliverability events and the DNC registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from reos.core.db import Base, IdMixin, SoftDeleteMixin, TenantScoped, TimestampMixin, utcnow

CAMPAIGN_CHANNELS = ("email", "sms", "multi")
CAMPAIGN_STATUSES = ("draft", "scheduled", "running", "paused", "completed", "cancelled")
TARGET_STATUSES = ("pending", "sent", "delivered", "failed", "suppressed", "replied")
OUTREACH_CHANNELS = ("email", "sms")
ATTEMPT_STATUSES = (
    "queued",
    "sent",
    "delivered",
    "bounced",
    "failed",
    "suppressed",
    "complained",
    "replied",
)
DELIVERABILITY_EVENT_TYPES = (
    "delivered",
    "bounce_hard",
    "bounce_soft",
    "complaint",
    "auto_reply",
    "unsubscribe",
    "stop_reply",
    "failed",
)
DNC_CHANNELS = ("email", "sms", "all")
DNC_SOURCES = ("api", "stop_reply", "unsubscribe_link", "complaint", "bounce", "manual")


class EmailTemplate(IdMixin, TimestampMixin, SoftDeleteMixin, TenantScoped, Base):
    __tablename__ = "email_templates"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(300))
    body_html: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    variables: Mapped[list[str]] = mapped_column(JSON, default=list)


class SMSTemplate(IdMixin, TimestampMixin, SoftDeleteMixin, TenantScoped, Base):
    __tablename__ = "sms_templates"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    variables: Mapped[list[str]] = mapped_column(JSON, default=list)


class Campaign(IdMixin, TimestampMixin, SoftDeleteMixin, TenantScoped, Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint(f"channel IN {CAMPAIGN_CHANNELS!r}", name="known_channel"),
        CheckConstraint(f"status IN {CAMPAIGN_STATUSES!r}", name="known_status"),
        Index("ix_campaigns_status_scheduled_at", "status", "scheduled_at"),
    )

    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    email_template_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("email_templates.id", ondelete="SET NULL")
    )
    sms_template_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sms_templates.id", ondelete="SET NULL")
    )
    scheduled_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CampaignTarget(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "campaign_targets"
    __table_args__ = (
        UniqueConstraint("campaign_id", "lead_id"),
        CheckConstraint(f"status IN {TARGET_STATUSES!r}", name="known_status"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="pending")


class OutreachAttempt(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "outreach_attempts"
    __table_args__ = (
        CheckConstraint(f"channel IN {OUTREACH_CHANNELS!r}", name="known_channel"),
        CheckConstraint(f"status IN {ATTEMPT_STATUSES!r}", name="known_status"),
        # One attempt per key and organization: a retried send finds the first attempt
        # instead of sending twice, even when two workers race (NULL keys never collide).
        UniqueConstraint("organization_id", "idempotency_key"),
        Index("ix_outreach_attempts_organization_id_created_at", "organization_id", "created_at"),
    )

    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(320))
    template_id: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(String(20), default="queued")
    provider: Mapped[str | None] = mapped_column(String(40))
    provider_message_id: Mapped[str | None] = mapped_column(String(120), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    suppression_reason: Mapped[str | None] = mapped_column(String(80))
    cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class DeliverabilityEvent(IdMixin, TenantScoped, Base):
    __tablename__ = "deliverability_events"
    __table_args__ = (
        CheckConstraint(f"event_type IN {DELIVERABILITY_EVENT_TYPES!r}", name="known_type"),
        Index(
            "ix_deliverability_events_organization_id_occurred_at",
            "organization_id",
            "occurred_at",
        ),
    )

    attempt_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("outreach_attempts.id", ondelete="SET NULL"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(320))
    provider: Mapped[str] = mapped_column(String(40))
    provider_event_id: Mapped[str] = mapped_column(String(120), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnsubscribeList(IdMixin, TimestampMixin, TenantScoped, Base):
    """The do-not-contact registry: one row per channel and normalized address or number."""

    __tablename__ = "unsubscribe_list"
    __table_args__ = (
        UniqueConstraint("organization_id", "channel", "value"),
        CheckConstraint(f"channel IN {DNC_CHANNELS!r}", name="known_channel"),
        CheckConstraint(f"source IN {DNC_SOURCES!r}", name="known_source"),
    )

    channel: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default="api")
    consent_log: Mapped[list[Any]] = mapped_column(JSON, default=list)
    added_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class OutboxMessage(IdMixin, TenantScoped, Base):
    """What the mock email and SMS providers "sent": the vendor's side of the conversation,
    kept so a demo can show every message without any real delivery."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(f"channel IN {OUTREACH_CHANNELS!r}", name="known_channel"),
        Index("ix_outbox_messages_organization_id_created_at", "organization_id", "created_at"),
    )

    channel: Mapped[str] = mapped_column(String(10))
    provider: Mapped[str] = mapped_column(String(40))
    provider_message_id: Mapped[str] = mapped_column(String(120), unique=True)
    recipient: Mapped[str] = mapped_column(String(320))
    sender: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    message_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
