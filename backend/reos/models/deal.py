"""Deals and the pipeline stages they move through."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reos.core.db import Base, IdMixin, SoftDeleteMixin, TenantScoped, TimestampMixin

DEAL_STATUSES = ("open", "won", "lost")


class DealStage(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "deal_stages"
    __table_args__ = (
        UniqueConstraint("organization_id", "name"),
        CheckConstraint("NOT (is_won AND is_lost)", name="won_or_lost"),
    )

    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    is_won: Mapped[bool] = mapped_column(default=False)
    is_lost: Mapped[bool] = mapped_column(default=False)


class Deal(IdMixin, TimestampMixin, SoftDeleteMixin, TenantScoped, Base):
    __tablename__ = "deals"
    __table_args__ = (
        CheckConstraint(f"status IN {DEAL_STATUSES!r}", name="known_status"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        Index("ix_deals_organization_id_stage_id", "organization_id", "stage_id"),
        Index("ix_deals_organization_id_status", "organization_id", "status"),
    )

    title: Mapped[str] = mapped_column(String(200))
    property_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("properties.id", ondelete="SET NULL"), index=True
    )
    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    # RESTRICT: a stage still holding deals must be emptied before it can be deleted.
    stage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deal_stages.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    expected_close_date: Mapped[date | None]
    closed_at: Mapped[datetime | None]
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="open")
