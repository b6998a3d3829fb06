"""Property intake with dedupe, replacement field by field, and archive.

Each write records its event (`reos.events`), whose subscribers keep the history and the audit
trail; functions flush but never commit, and raise domain errors, never HTTP ones.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from reos import events
from reos.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from reos.events.catalog import FieldChange, PropertyArchived, PropertyCreated, PropertyUpdated
from reos.models import Property
from reos.properties.domain import apn_hash, normalize_address
from reos.properties.schemas import PropertyIn

NORMALIZED_ADDRESS_MAX = 400  # the column's length


def get_property(session: Session, *, property_id: uuid.UUID) -> Property:
    """A non-archived property of the session's organization; anything else is a 404."""
    prop = session.scalars(select(Property).where(Property.id == property_id)).first()
    if prop is None:
        raise NotFound(f"Property {property_id} not found.")
    return prop


def property_identity(data: PropertyIn) -> tuple[str, str | None]:
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


def as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def create_property(
    session: Session, *, data: PropertyIn, actor_user_id: uuid.UUID | None
) -> Property:
    """Add a property; one with the same address or APN (even archived) is a 409 naming it."""
    normalized, apn_digest = property_identity(data)
    _ensure_unique(session, normalized, apn_digest)
    prop = Property(
        **data.model_dump(),
        normalized_address=normalized,
        apn_hash=apn_digest,
        created_by_id=actor_user_id,
    )
    session.add(prop)
    session.flush()
    events.record(
        session,
        PropertyCreated(property_id=prop.id, address=normalized, actor_user_id=actor_user_id),
    )
    session.flush()
    return prop


def replace_property(
    session: Session, *, property_id: uuid.UUID, data: PropertyIn, actor_user_id: uuid.UUID
) -> Property:
    """Replace every field; the event names each field that changed."""
    prop = get_property(session, property_id=property_id)
    normalized, apn_digest = property_identity(data)
    if (normalized, apn_digest) != (prop.normalized_address, prop.apn_hash):
        _ensure_unique(session, normalized, apn_digest, exclude=prop.id)
    changes: list[FieldChange] = []
    for name, new in data.model_dump().items():
        old = getattr(prop, name)
        if old != new:
            changes.append(FieldChange(field=name, old=as_text(old), new=as_text(new)))
            setattr(prop, name, new)
    prop.normalized_address, prop.apn_hash = normalized, apn_digest
    session.flush()
    if changes:
        events.record(
            session,
            PropertyUpdated(property_id=prop.id, changes=changes, actor_user_id=actor_user_id),
        )
    return prop


def archive_property(session: Session, *, property_id: uuid.UUID, actor_user_id: uuid.UUID) -> None:
    """Soft delete: the row stays (with its history) but is hidden from every read."""
    prop = get_property(session, property_id=property_id)
    event = PropertyArchived(
        property_id=prop.id, previous_status=prop.status, actor_user_id=actor_user_id
    )
    recorded = events.record(session, event)
    prop.status, prop.deleted_at = "archived", recorded.occurred_at
    session.flush()
