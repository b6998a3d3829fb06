"""Use cases of listings: an organization's writes, and the public read model of active ones."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    Select,
    String,
    Table,
    Text,
    Uuid,
    func,
    select,
)
from sqlalchemy.orm import Session

from reos import events
from reos.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed, require_ordered
from reos.core.pagination import PageParams, paginate_rows
from reos.events.catalog import ListingCreated, ListingPublished, ListingUpdated
from reos.listings.schemas import ListingIn, ListingUpdateIn
from reos.models import Listing, ListingSnapshot, Property

# A property has at most one listing that is still in play.
OPEN_STATUSES = frozenset({"draft", "active", "pending"})
PUBLIC_STATUS = "active"


def _ensure_single_open(
    session: Session, property_id: uuid.UUID, exclude: uuid.UUID | None = None
) -> None:
    query = select(Listing.id).where(
        Listing.property_id == property_id, Listing.status.in_(OPEN_STATUSES)
    )
    if exclude is not None:
        query = query.where(Listing.id != exclude)
    existing = session.scalars(query.order_by(Listing.id).limit(1)).first()
    if existing is not None:
        raise Conflict(
            f"Listing {existing} of this property is still open (draft, active or pending).",
            extra={"existing_id": str(existing)},
        )


def _snapshot(listing: Listing, at: datetime) -> ListingSnapshot:
    return ListingSnapshot(
        listing_id=listing.id,
        status=listing.status,
        asking_price=listing.asking_price,
        terms=dict(listing.terms),
        captured_at=at,
    )


def _went_live(
    session: Session,
    listing: Listing,
    old_status: str | None,
    actor_user_id: uuid.UUID,
    at: datetime,
) -> None:
    """Becoming active stamps listed_at; the event is also a `listed` entry of the property's
    history."""
    published = ListingPublished(
        listing_id=listing.id,
        property_id=listing.property_id,
        previous_status=old_status,
        actor_user_id=actor_user_id,
    )
    events.record(session, published, occurred_at=at)
    listing.listed_at = at


def create_listing(session: Session, *, data: ListingIn, actor_user_id: uuid.UUID) -> Listing:
    prop = session.scalars(select(Property).where(Property.id == data.property_id)).first()
    if prop is None:
        raise ValidationFailed(
            f"Property {data.property_id} not found in your organization.",
            errors=[FieldProblem("body.property_id", "no such property", "not_found")],
        )
    if data.status in OPEN_STATUSES:
        _ensure_single_open(session, prop.id)
    now = datetime.now(UTC)
    listing = Listing(
        property_id=prop.id,
        status=data.status,
        asking_price=data.asking_price,
        terms=data.terms,
        public_remarks=data.public_remarks,
    )
    session.add(listing)
    session.flush()
    created = ListingCreated(
        listing_id=listing.id,
        property_id=prop.id,
        status=data.status,
        asking_price=data.asking_price,
        actor_user_id=actor_user_id,
    )
    events.record(session, created, occurred_at=now)
    if data.status == PUBLIC_STATUS:
        _went_live(session, listing, None, actor_user_id, now)
    session.add(_snapshot(listing, now))
    session.flush()
    return listing


def update_listing(
    session: Session, *, listing_id: uuid.UUID, data: ListingUpdateIn, actor_user_id: uuid.UUID
) -> Listing:
    """Replace a listing's price, terms, status and remarks; any change is snapshotted."""
    listing = session.scalars(select(Listing).where(Listing.id == listing_id)).first()
    if listing is None:
        raise NotFound(f"Listing {listing_id} not found.")
    old_status = listing.status
    if data.status in OPEN_STATUSES and old_status not in OPEN_STATUSES:
        _ensure_single_open(session, listing.property_id, exclude=listing.id)
    if data.status == PUBLIC_STATUS and old_status != PUBLIC_STATUS:
        live = session.scalars(select(Property.id).where(Property.id == listing.property_id))
        if live.first() is None:
            raise Conflict("The listed property is archived; it cannot be listed as active.")
    changes: dict[str, Any] = {}
    for name, new in data.model_dump().items():
        if getattr(listing, name) != new:
            changes[name] = str(new) if isinstance(new, Decimal) else new
            setattr(listing, name, new)
    if not changes:
        return listing
    now = datetime.now(UTC)
    updated = ListingUpdated(
        listing_id=listing.id,
        property_id=listing.property_id,
        # The terms are free-form: the event says they changed, not what they say.
        changes={name: "changed" if name == "terms" else value for name, value in changes.items()},
        actor_user_id=actor_user_id,
    )
    events.record(session, updated, occurred_at=now)
    if data.status == PUBLIC_STATUS and old_status != PUBLIC_STATUS:
        _went_live(session, listing, old_status, actor_user_id, now)
    session.add(_snapshot(listing, now))
    session.flush()
    return listing


# --- the public read model ----------------------------------------------------------------------


@dataclass(frozen=True)
class PublicListingFilters:
    city: str | None = None
    state: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None


# The `public_listings` view (migration 0008): active listings of live properties, public
# columns only. Public routes run bound to no organization, and on PostgreSQL Row-Level Security
# hides every tenant row from such a session; the view, which reads as its owner, is the one
# door through, and it only lets the public columns out.
PUBLIC_LISTINGS = Table(
    "public_listings",
    MetaData(),
    Column("id", Uuid),
    Column("asking_price", Numeric(14, 2)),
    Column("terms", JSON),
    Column("public_remarks", Text),
    Column("listed_at", DateTime(timezone=True)),
    Column("address", String),
    Column("city", String),
    Column("state", String),
    Column("zip_code", String),
    Column("property_type", String),
    Column("bedrooms", Integer),
    Column("bathrooms", Numeric(4, 1)),
    Column("square_feet", Integer),
    Column("year_built", Integer),
    Column("latitude", Float),
    Column("longitude", Float),
)
PUBLIC = PUBLIC_LISTINGS.c


def _public_listings() -> Select[Any]:
    return select(PUBLIC_LISTINGS)


def list_public_listings(
    session: Session, *, filters: PublicListingFilters, page: PageParams
) -> tuple[list[dict[str, Any]], int]:
    require_ordered(
        filters.min_price,
        filters.max_price,
        low_name="min_price",
        high_name="max_price",
        where="query",
    )
    query = _public_listings()
    if filters.city:
        query = query.where(func.lower(PUBLIC.city) == filters.city.strip().lower())
    if filters.state:
        query = query.where(PUBLIC.state == filters.state.strip().upper())
    if filters.min_price is not None:
        query = query.where(PUBLIC.asking_price >= filters.min_price)
    if filters.max_price is not None:
        query = query.where(PUBLIC.asking_price <= filters.max_price)
    rows, total = paginate_rows(
        session, query.order_by(PUBLIC.listed_at.desc().nulls_last(), PUBLIC.id), page
    )
    return [dict(row._mapping) for row in rows], total


def get_public_listing(session: Session, *, listing_id: uuid.UUID) -> dict[str, Any]:
    row = session.execute(_public_listings().where(PUBLIC.id == listing_id)).mappings().first()
    if row is None:
        raise NotFound(f"Listing {listing_id} not found.")
    return dict(row)
