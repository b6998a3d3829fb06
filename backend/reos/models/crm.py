"""Leads and the CRM around them: sources, contacts, activities, notes and scores."""

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

LEAD_STATUSES = ("new", "contacted", "qualified", "converted", "lost")
ACTIVITY_TYPES = ("call", "email", "sms", "meeting", "showing", "note", "status_change")
Money = Numeric(14, 2)


class LeadSource(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "lead_sources"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    name: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(40), default="other")
    quality_weight: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("1.00"))


class Lead(IdMixin, TimestampMixin, SoftDeleteMixin, TenantScoped, Base):
    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("organization_id", "email"),
        UniqueConstraint("organization_id", "phone"),
        CheckConstraint(f"status IN {LEAD_STATUSES!r}", name="known_status"),
        CheckConstraint(
            "budget_min IS NULL OR budget_max IS NULL OR budget_min <= budget_max",
            name="budget_ordered",
        ),
        CheckConstraint(
            "current_score IS NULL OR (current_score >= 0 AND current_score <= 100)",
            name="score_range",
        ),
        Index("ix_leads_organization_id_status", "organization_id", "status"),
    )

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Stored lower-case; phone as E.164. Both unique per organization when present.
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    source_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("lead_sources.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="new")
    assigned_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    budget_min: Mapped[Decimal | None] = mapped_column(Money)
    budget_max: Mapped[Decimal | None] = mapped_column(Money)
    notes: Mapped[str | None] = mapped_column(Text)
    property_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("properties.id", ondelete="SET NULL"), index=True
    )
    last_contacted_at: Mapped[datetime | None]
    current_score: Mapped[int | None]


class Contact(IdMixin, TimestampMixin, SoftDeleteMixin, TenantScoped, Base):
    __tablename__ = "contacts"

    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    company: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(100))
    consent_email: Mapped[bool] = mapped_column(default=False)
    consent_sms: Mapped[bool] = mapped_column(default=False)


class LeadActivity(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "lead_activities"
    __table_args__ = (
        CheckConstraint(f"activity_type IN {ACTIVITY_TYPES!r}", name="known_type"),
        Index("ix_lead_activities_lead_id_occurred_at", "lead_id", "occurred_at"),
    )

    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    activity_type: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class LeadNote(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "lead_notes"

    lead_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class LeadScore(IdMixin, TenantScoped, Base):
    __tablename__ = "lead_scores"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        Index("ix_lead_scores_lead_id_scored_at", "lead_id", "scored_at"),
    )

    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    score: Mapped[int]
    reason_codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    factors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    model_version: Mapped[str] = mapped_column(String(20))
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)
