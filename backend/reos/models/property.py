"""Properties, their images, documents, valuations, metrics and history; listings and snapshots."""

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

PROPERTY_TYPES = ("single_family", "condo", "townhouse", "multi_family", "land", "commercial")
PROPERTY_STATUSES = ("active", "pending", "sold", "off_market", "archived")
HISTORY_CHANGE_TYPES = ("created", "updated", "archived", "valued", "listed")
LISTING_STATUSES = ("draft", "active", "pending", "sold", "withdrawn")
Money = Numeric(14, 2)


class Property(IdMixin, TimestampMixin, SoftDeleteMixin, TenantScoped, Base):
    __tablename__ = "properties"
    __table_args__ = (
        UniqueConstraint("organization_id", "normalized_address"),
        UniqueConstraint("organization_id", "apn_hash"),
        CheckConstraint(f"property_type IN {PROPERTY_TYPES!r}", name="known_type"),
        CheckConstraint(f"status IN {PROPERTY_STATUSES!r}", name="known_status"),
        CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
        Index("ix_properties_organization_id_city_state", "organization_id", "city", "state"),
        Index("ix_properties_organization_id_status_price", "organization_id", "status", "price"),
        Index("ix_properties_organization_id_zip_code", "organization_id", "zip_code"),
    )

    address: Mapped[str] = mapped_column(String(300))
    city: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(2))
    zip_code: Mapped[str] = mapped_column(String(10))
    property_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="active")
    price: Mapped[Decimal | None] = mapped_column(Money)
    bedrooms: Mapped[int | None]
    bathrooms: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    square_feet: Mapped[int | None]
    lot_size: Mapped[int | None]
    year_built: Mapped[int | None]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    apn: Mapped[str | None] = mapped_column(String(64))
    apn_hash: Mapped[str | None] = mapped_column(String(64))
    normalized_address: Mapped[str] = mapped_column(String(400))
    description: Mapped[str | None] = mapped_column(Text)
    owner_name: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class PropertyImage(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "property_images"

    property_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("properties.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)


class PropertyDocument(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "property_documents"

    property_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("properties.id", ondelete="CASCADE"), index=True
    )
    deal_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("deals.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(500))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    document_type: Mapped[str] = mapped_column(String(40), default="other")


class PropertyValuation(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "property_valuations"
    __table_args__ = (
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence_range"),
        CheckConstraint("low <= value AND value <= high", name="value_within_range"),
    )

    property_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("properties.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[Decimal] = mapped_column(Money)
    low: Mapped[Decimal] = mapped_column(Money)
    high: Mapped[Decimal] = mapped_column(Money)
    confidence: Mapped[Decimal] = mapped_column(Numeric(4, 3))
    method: Mapped[str] = mapped_column(String(40))
    comparables: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reason_codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    inputs_hash: Mapped[str] = mapped_column(String(64))
    valued_at: Mapped[datetime] = mapped_column(default=utcnow)


class PropertyMetrics(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "property_metrics"

    property_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("properties.id", ondelete="CASCADE"), unique=True
    )
    views: Mapped[int] = mapped_column(default=0)
    saves: Mapped[int] = mapped_column(default=0)
    inquiries: Mapped[int] = mapped_column(default=0)
    days_on_market: Mapped[int | None]
    last_viewed_at: Mapped[datetime | None]


class PropertyHistory(IdMixin, TenantScoped, Base):
    __tablename__ = "property_history"
    __table_args__ = (
        CheckConstraint(f"change_type IN {HISTORY_CHANGE_TYPES!r}", name="known_change_type"),
        Index("ix_property_history_property_id_changed_at", "property_id", "changed_at"),
    )

    property_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"))
    field: Mapped[str | None] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    change_type: Mapped[str] = mapped_column(String(20))
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Listing(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "listings"
    __table_args__ = (
        CheckConstraint(f"status IN {LISTING_STATUSES!r}", name="known_status"),
        CheckConstraint("asking_price >= 0", name="asking_price_not_negative"),
        Index("ix_listings_status_listed_at", "status", "listed_at"),
    )

    property_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("properties.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="draft")
    asking_price: Mapped[Decimal] = mapped_column(Money)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    listed_at: Mapped[datetime | None]
    public_remarks: Mapped[str | None] = mapped_column(Text)


class ListingSnapshot(IdMixin, TenantScoped, Base):
    __tablename__ = "listing_snapshots"

    listing_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    asking_price: Mapped[Decimal] = mapped_column(Money)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    captured_at: Mapped[datetime] = mapped_column(default=utcnow)
