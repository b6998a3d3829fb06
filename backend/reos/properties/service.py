"""Use cases of properties: intake with dedupe, edits with history, archive, images, valuations.
Functions flush but never commit; they raise domain errors, never HTTP ones."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from providers.base import ProviderError
from providers.data.geo import haversine_km
from providers.data.port import ComparablesQuery, DataProvider
from providers.storage.port import StorageProvider
from reos.audit import service as audit
from reos.core.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
    require_ordered,
)
from reos.core.pagination import PageParams
from reos.models import Property, PropertyHistory, PropertyImage, PropertyValuation
from reos.properties import valuation
from reos.properties.domain import apn_hash, normalize_address
from reos.properties.images import IMAGE_TYPES, image_dimensions, sniff_image_type
from reos.properties.schemas import SORT_FIELDS, PropertyIn
from reos.storage import service as storage_service

NORMALIZED_ADDRESS_MAX = 400  # the column's length
# The data provider's comparables are houses; land and commercial are valued from the
# organization's own properties of the same type only.
RESIDENTIAL_TYPES = frozenset({"single_family", "condo", "townhouse", "multi_family"})
PROVIDER_RADIUS_KM = 2.0
PROVIDER_COMPARABLES = 10
ORGANIZATION_COMPARABLES = 200  # candidates read before the distance cut
KM_PER_DEGREE_LATITUDE = 111.0


@dataclass(eq=False)
class UnsupportedMediaType(DomainError):
    status: int = 415
    title: str = "Unsupported media type"
    slug: str = "unsupported-media-type"


# --- reads --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PropertyFilters:
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    property_type: str | None = None
    status: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_bedrooms: int | None = None
    min_bathrooms: Decimal | None = None
    min_sqft: int | None = None
    max_sqft: int | None = None


def parse_sort(sort: str) -> tuple[str, bool]:
    """`price` or `-price` → ("price", descending); anything else is a 422 naming `sort`."""
    name = sort.removeprefix("-")
    if name not in SORT_FIELDS:
        allowed = ", ".join(SORT_FIELDS)
        raise ValidationFailed(
            f"Cannot sort by {sort!r}; use one of {allowed}, optionally prefixed with '-'.",
            errors=[FieldProblem("query.sort", f"must be one of {allowed} (or -field)", "enum")],
        )
    return name, sort.startswith("-")


def _filtered(filters: PropertyFilters) -> Select[Property]:
    for low, high, name in (
        (filters.min_price, filters.max_price, "price"),
        (filters.min_sqft, filters.max_sqft, "sqft"),
    ):
        require_ordered(low, high, low_name=f"min_{name}", high_name=f"max_{name}", where="query")
    query = select(Property)
    if filters.city:
        query = query.where(func.lower(Property.city) == filters.city.strip().lower())
    if filters.state:
        query = query.where(Property.state == filters.state.strip().upper())
    if filters.zip_code:
        # "78701" also finds "78701-1234".
        query = query.where(Property.zip_code.startswith(filters.zip_code, autoescape=True))
    if filters.property_type:
        query = query.where(Property.property_type == filters.property_type)
    if filters.status:
        query = query.where(Property.status == filters.status)
    if filters.min_price is not None:
        query = query.where(Property.price >= filters.min_price)
    if filters.max_price is not None:
        query = query.where(Property.price <= filters.max_price)
    if filters.min_bedrooms is not None:
        query = query.where(Property.bedrooms >= filters.min_bedrooms)
    if filters.min_bathrooms is not None:
        query = query.where(Property.bathrooms >= filters.min_bathrooms)
    if filters.min_sqft is not None:
        query = query.where(Property.square_feet >= filters.min_sqft)
    if filters.max_sqft is not None:
        query = query.where(Property.square_feet <= filters.max_sqft)
    return query


def _page(
    session: Session, query: Select[Property], page: PageParams, order: list[Any]
) -> tuple[list[Property], int]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(*order).offset(page.offset).limit(page.page_size))
    return list(rows), total


def list_properties(
    session: Session, *, filters: PropertyFilters, sort: str, page: PageParams
) -> tuple[list[Property], int]:
    """One page of the organization's (non-archived) properties."""
    name, descending = parse_sort(sort)
    column = getattr(Property, name)
    # Missing values last either way, and id last so equal values page stably.
    order = [(column.desc() if descending else column.asc()).nulls_last(), Property.id]
    return _page(session, _filtered(filters), page, order)


SEARCHED_COLUMNS = (
    Property.address,
    Property.city,
    Property.zip_code,
    Property.description,
    Property.owner_name,
)


def search_properties(session: Session, *, q: str, page: PageParams) -> tuple[list[Property], int]:
    """Case-insensitive substring search; `%` and `_` in `q` are literal characters."""
    term = q.strip()
    query = select(Property).where(
        or_(*(column.icontains(term, autoescape=True) for column in SEARCHED_COLUMNS))
    )
    return _page(session, query, page, [Property.created_at.desc(), Property.id])


def get_property(session: Session, *, property_id: uuid.UUID) -> Property:
    """A non-archived property of the session's organization; anything else is a 404."""
    prop = session.scalars(select(Property).where(Property.id == property_id)).first()
    if prop is None:
        raise NotFound(f"Property {property_id} not found.")
    return prop


# --- writes -------------------------------------------------------------------------------------


def identity(data: PropertyIn) -> tuple[str, str | None]:
    """What identifies a property within its organization: address, and parcel number."""
    normalized = normalize_address(data.address, data.city, data.state, data.zip_code)
    if len(normalized) > NORMALIZED_ADDRESS_MAX:
        raise ValidationFailed(
            "The address is too long.",
            errors=[FieldProblem("body.address", "too long once normalized", "too_long")],
        )
    return normalized, apn_hash(data.apn)


def _ensure_unique(
    session: Session, normalized: str, apn_digest: str | None, exclude: uuid.UUID | None = None
) -> None:
    """409 naming the existing property if one has this address or APN, archived or not
    (an archived property still owns its address: the unique constraints say so)."""
    same = [Property.normalized_address == normalized]
    if apn_digest:
        same.append(Property.apn_hash == apn_digest)
    query = select(Property).where(or_(*same)).execution_options(include_archived=True)
    if exclude is not None:
        query = query.where(Property.id != exclude)
    existing = session.scalars(query.order_by(Property.id).limit(1)).first()
    if existing is None:
        return
    field = "address" if existing.normalized_address == normalized else "apn"
    archived = existing.deleted_at is not None
    raise Conflict(
        f"Property {existing.id} already has this {field}"
        + (" (it is archived)." if archived else "."),
        errors=[FieldProblem(f"body.{field}", "a property with this value exists", "duplicate")],
        extra={"existing_id": str(existing.id), "existing_archived": archived},
    )


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _history(
    prop: Property,
    change_type: str,
    actor_user_id: uuid.UUID | None,
    at: datetime,
    field: str | None = None,
    old: object = None,
    new: object = None,
) -> PropertyHistory:
    return PropertyHistory(
        property_id=prop.id,
        change_type=change_type,
        field=field,
        old_value=_text(old),
        new_value=_text(new),
        actor_user_id=actor_user_id,
        changed_at=at,
    )


def create_property(
    session: Session, *, data: PropertyIn, actor_user_id: uuid.UUID | None
) -> Property:
    normalized, apn_digest = identity(data)
    _ensure_unique(session, normalized, apn_digest)
    prop = Property(
        **data.model_dump(),
        normalized_address=normalized,
        apn_hash=apn_digest,
        created_by_id=actor_user_id,
    )
    session.add(prop)
    session.flush()
    session.add(_history(prop, "created", actor_user_id, datetime.now(UTC)))
    audit.record(
        session,
        action="property.created",
        entity_type="property",
        entity_id=prop.id,
        actor_user_id=actor_user_id,
        changes={"address": normalized},
    )
    session.flush()
    return prop


def replace_property(
    session: Session, *, property_id: uuid.UUID, data: PropertyIn, actor_user_id: uuid.UUID
) -> Property:
    """Replace every field; one history row per field that changed."""
    prop = get_property(session, property_id=property_id)
    normalized, apn_digest = identity(data)
    if (normalized, apn_digest) != (prop.normalized_address, prop.apn_hash):
        _ensure_unique(session, normalized, apn_digest, exclude=prop.id)
    now = datetime.now(UTC)
    changed: list[str] = []
    for name, new in data.model_dump().items():
        old = getattr(prop, name)
        if old != new:
            session.add(_history(prop, "updated", actor_user_id, now, name, old, new))
            setattr(prop, name, new)
            changed.append(name)
    prop.normalized_address, prop.apn_hash = normalized, apn_digest
    session.flush()
    if changed:
        audit.record(
            session,
            action="property.updated",
            entity_type="property",
            entity_id=prop.id,
            actor_user_id=actor_user_id,
            changes={"fields": changed},
        )
    return prop


def archive_property(session: Session, *, property_id: uuid.UUID, actor_user_id: uuid.UUID) -> None:
    """Soft delete: the row stays (with its history) but is hidden from every read."""
    prop = get_property(session, property_id=property_id)
    now = datetime.now(UTC)
    session.add(_history(prop, "archived", actor_user_id, now, "status", prop.status, "archived"))
    prop.status, prop.deleted_at = "archived", now
    session.flush()
    audit.record(
        session,
        action="property.archived",
        entity_type="property",
        entity_id=prop.id,
        actor_user_id=actor_user_id,
    )


def add_image(
    session: Session,
    storage: StorageProvider,
    *,
    property_id: uuid.UUID,
    filename: str | None,
    data: bytes,
    max_bytes: int,
    actor_user_id: uuid.UUID,
) -> PropertyImage:
    """Store a JPEG, PNG or WebP for the property; the type and size come from its bytes."""
    prop = get_property(session, property_id=property_id)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"The image is larger than {max_bytes} bytes.")
    if not data:
        raise ValidationFailed(
            "The file is empty.", errors=[FieldProblem("body.file", "empty file", "empty")]
        )
    content_type = sniff_image_type(data)
    if content_type not in IMAGE_TYPES:
        raise UnsupportedMediaType(
            f"Property images must be JPEG, PNG or WebP; this file is {content_type or 'unknown'}.",
            errors=[FieldProblem("body.file", "not a JPEG, PNG or WebP image", "file_type")],
        )
    size = image_dimensions(content_type, data)
    if size is None:
        raise ValidationFailed(
            "The image is truncated or corrupt: its size cannot be read.",
            errors=[FieldProblem("body.file", "unreadable image header", "corrupt_image")],
        )
    position = session.scalar(
        select(func.count()).select_from(PropertyImage).where(PropertyImage.property_id == prop.id)
    )
    stored = storage_service.upload(
        storage,
        organization_id=prop.organization_id,
        filename=filename,
        declared_type=content_type,
        data=data,
        max_bytes=max_bytes,
    )
    image = PropertyImage(
        property_id=prop.id,
        storage_key=stored.key,
        content_type=content_type,
        size_bytes=len(data),
        width=size[0],
        height=size[1],
        position=position or 0,
    )
    session.add(image)
    session.flush()
    audit.record(
        session,
        action="property.image_added",
        entity_type="property",
        entity_id=prop.id,
        actor_user_id=actor_user_id,
        changes={"image_id": str(image.id), "storage_key": stored.key},
    )
    return image


# --- valuation ----------------------------------------------------------------------------------


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
        dlat = valuation.MAX_DISTANCE_KM / KM_PER_DEGREE_LATITUDE
        dlon = dlat / max(math.cos(math.radians(prop.latitude)), 0.01)
        nearby.append(
            and_(
                Property.latitude.between(prop.latitude - dlat, prop.latitude + dlat),
                Property.longitude.between(prop.longitude - dlon, prop.longitude + dlon),
            )
        )
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
    now = datetime.now(UTC)
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
        valued_at=now,
    )
    session.add(record)
    session.add(
        _history(
            prop, "valued", actor_user_id, now, "value", previous and previous.value, result.value
        )
    )
    session.flush()
    return record


# --- history ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    kind: Literal["change", "valuation"]
    at: datetime
    change: PropertyHistory | None = None
    valuation: PropertyValuation | None = None


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def property_history(
    session: Session, *, property_id: uuid.UUID, page: PageParams
) -> tuple[list[HistoryEntry], int]:
    """Changes and valuations of a property, newest first.

    The page of the merged stream is within the first offset + page_size of each stream, so
    each is read only that far, in the same order the merge uses.
    """
    prop = get_property(session, property_id=property_id)
    depth = page.offset + page.page_size
    changes = session.scalars(
        select(PropertyHistory)
        .where(PropertyHistory.property_id == prop.id)
        .order_by(PropertyHistory.changed_at.desc(), PropertyHistory.id.desc())
        .limit(depth)
    )
    valuations = session.scalars(
        select(PropertyValuation)
        .where(PropertyValuation.property_id == prop.id)
        .order_by(PropertyValuation.valued_at.desc(), PropertyValuation.id.desc())
        .limit(depth)
    )
    entries = [HistoryEntry("change", _aware(c.changed_at), change=c) for c in changes]
    entries += [HistoryEntry("valuation", _aware(v.valued_at), valuation=v) for v in valuations]
    # At the same instant a valuation is listed before the history row it caused.
    entries.sort(
        key=lambda e: (e.at, e.kind == "valuation", (e.change or e.valuation).id),  # type: ignore[union-attr]
        reverse=True,
    )
    total = sum(
        session.scalar(select(func.count()).select_from(model).where(model.property_id == prop.id))
        or 0
        for model in (PropertyHistory, PropertyValuation)
    )
    return entries[page.offset : depth], total
