"""Valuing a property from comparables: the organization's own and the data provider's."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from providers.base import ProviderError
from providers.data.port import ComparablesQuery, DataProvider
from providers.geo import bounding_box, haversine_km
from reos import events
from reos.core.errors import FieldProblem, ValidationFailed
from reos.core.geo import within_box
from reos.events.catalog import PropertyValued
from reos.models import Property, PropertyValuation
from reos.properties import valuation
from reos.properties.crud import get_property

# The data provider's comparables are houses; land and commercial are valued from the
# organization's own properties of the same type only.
RESIDENTIAL_TYPES = frozenset({"single_family", "condo", "townhouse", "multi_family"})
PROVIDER_RADIUS_KM = 2.0
PROVIDER_COMPARABLES = 10
ORGANIZATION_COMPARABLES = 200  # candidates read before the distance cut


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _subject(prop: Property) -> valuation.Subject:
    return valuation.Subject(
        property_type=prop.property_type,
        square_feet=prop.square_feet,
        bedrooms=prop.bedrooms,
        bathrooms=_float(prop.bathrooms),
        year_built=prop.year_built,
        latitude=prop.latitude,
        longitude=prop.longitude,
        list_price=_float(prop.price),
    )


def _provider_comparables(
    data_provider: DataProvider, prop: Property, notes: set[str]
) -> list[valuation.Comparable]:
    if prop.latitude is None or prop.longitude is None:
        notes.add("no_coordinates")
        return []
    if prop.property_type not in RESIDENTIAL_TYPES:
        return []
    try:
        found = data_provider.comparables(
            ComparablesQuery(
                prop.latitude,
                prop.longitude,
                radius_km=PROVIDER_RADIUS_KM,
                limit=PROVIDER_COMPARABLES,
            )
        )
    except ProviderError:
        # Outage, spent budget, nothing there: value from the organization's own data.
        notes.add("provider_unavailable")
        return []
    return [
        valuation.Comparable(
            source=found.provider,
            ref=c.apn,
            price=float(c.last_sale_price),
            square_feet=c.sqft,
            bedrooms=c.beds,
            bathrooms=c.baths,
            year_built=c.year_built,
            distance_km=c.distance_km,
        )
        for c in found.items
        if c.last_sale_price
    ]


def _organization_comparables(session: Session, prop: Property) -> list[valuation.Comparable]:
    """The organization's other non-archived properties of the same type, nearby or in the
    same ZIP code."""
    nearby = [Property.zip_code.startswith(prop.zip_code[:5], autoescape=True)]
    if prop.latitude is not None and prop.longitude is not None:
        box = bounding_box(prop.latitude, prop.longitude, valuation.MAX_DISTANCE_KM)
        nearby.append(within_box(box, Property.latitude, Property.longitude))
    candidates = session.scalars(
        select(Property)
        .where(
            Property.id != prop.id,
            Property.property_type == prop.property_type,
            Property.price > 0,
            or_(*nearby),
        )
        .order_by(Property.id)
        .limit(ORGANIZATION_COMPARABLES)
    )
    comparables = []
    for other in candidates:
        distance = None
        if None not in (prop.latitude, prop.longitude, other.latitude, other.longitude):
            distance = round(
                haversine_km(prop.latitude, prop.longitude, other.latitude, other.longitude),  # type: ignore[arg-type]
                3,
            )
            if distance > valuation.MAX_DISTANCE_KM:
                continue  # a corner of the search box
        comparables.append(
            valuation.Comparable(
                source="organization",
                ref=str(other.id),
                price=float(other.price or 0),
                square_feet=other.square_feet,
                bedrooms=other.bedrooms,
                bathrooms=_float(other.bathrooms),
                year_built=other.year_built,
                distance_km=distance,
            )
        )
    return comparables


def value_property(
    session: Session,
    *,
    data_provider: DataProvider,
    property_id: uuid.UUID,
    actor_user_id: uuid.UUID | None,
) -> PropertyValuation:
    """Value a property from comparables and record the valuation (no HTTP: tasks call it).

    The provider is asked before anything is written: on SQLite its cost ledger writes in a
    transaction of its own, which must not wait behind this session's write lock.
    """
    prop = get_property(session, property_id=property_id)
    notes: set[str] = set()
    comparables = _provider_comparables(data_provider, prop, notes)
    comparables += _organization_comparables(session, prop)
    try:
        result = valuation.value_property(_subject(prop), comparables, notes)
    except valuation.InsufficientData as exc:
        raise ValidationFailed(
            "The property cannot be valued: no comparable was found and it has no price.",
            errors=[FieldProblem("price", "needed when no comparable is found", "missing")],
        ) from exc
    previous = session.scalars(
        select(PropertyValuation)
        .where(PropertyValuation.property_id == prop.id)
        .order_by(PropertyValuation.valued_at.desc(), PropertyValuation.id.desc())
        .limit(1)
    ).first()
    record = PropertyValuation(
        property_id=prop.id,
        value=result.value,
        low=result.low,
        high=result.high,
        confidence=result.confidence,
        method=result.method,
        comparables=result.comparables_json(),
        reason_codes=list(result.reason_codes),
        inputs_hash=result.inputs_hash,
    )
    session.add(record)
    session.flush()
    event = PropertyValued(
        property_id=prop.id,
        valuation_id=record.id,
        value=Decimal(str(result.value)),
        previous_value=None if previous is None else Decimal(str(previous.value)),
        confidence=float(result.confidence),
        method=result.method,
        actor_user_id=actor_user_id,
    )
    record.valued_at = events.record(session, event).occurred_at
    session.flush()
    return record
