"""Investment portfolios, their holdings and transactions, and reconciliation records."""

from __future__ import annotations

import uuid
from datetime import date, datetime
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

TRANSACTION_TYPES = (
    "purchase",
    "sale",
    "income",
    "expense",
    "capex",
    "distribution",
    "valuation_adjustment",
)
Money = Numeric(14, 2)


class Portfolio(IdMixin, TimestampMixin, SoftDeleteMixin, TenantScoped, Base):
    __tablename__ = "portfolios"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    base_currency: Mapped[str] = mapped_column(String(3), default="USD")
    strategy: Mapped[str | None] = mapped_column(String(80))


class PortfolioHolding(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "portfolio_holdings"
    __table_args__ = (
        UniqueConstraint("portfolio_id", "property_id"),
        CheckConstraint("ownership_pct > 0 AND ownership_pct <= 100", name="ownership_pct_range"),
    )

    portfolio_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), index=True
    )
    property_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("properties.id", ondelete="SET NULL"), index=True
    )
    acquisition_price: Mapped[Decimal] = mapped_column(Money)
    acquired_at: Mapped[date]
    ownership_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("100.00"))
    current_value: Mapped[Decimal | None] = mapped_column(Money)


class Transaction(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "transactions"
    __table_args__ = (
        CheckConstraint(f"transaction_type IN {TRANSACTION_TYPES!r}", name="known_type"),
        Index("ix_transactions_portfolio_id_occurred_on", "portfolio_id", "occurred_on"),
    )

    portfolio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"))
    holding_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("portfolio_holdings.id", ondelete="SET NULL"), index=True
    )
    transaction_type: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal] = mapped_column(Money)
    occurred_on: Mapped[date]
    description: Mapped[str | None] = mapped_column(Text)
    external_ref: Mapped[str | None] = mapped_column(String(120))


class Reconciliation(IdMixin, TenantScoped, Base):
    __tablename__ = "reconciliations"
    __table_args__ = (
        Index("ix_reconciliations_portfolio_id_reconciled_at", "portfolio_id", "reconciled_at"),
    )

    portfolio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"))
    expected_value: Mapped[Decimal] = mapped_column(Money)
    actual_value: Mapped[Decimal] = mapped_column(Money)
    variance_pct: Mapped[Decimal] = mapped_column(Numeric(8, 4))
    tolerance_pct: Mapped[Decimal] = mapped_column(Numeric(6, 4), default=Decimal("0.5"))
    within_tolerance: Mapped[bool]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reconciled_at: Mapped[datetime] = mapped_column(default=utcnow)
