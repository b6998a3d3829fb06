"""What follows a change inside its own transaction: the audit trail and the history rows.

Registered here, in one place, so a service that records its event cannot forget either.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from reos.events import catalog
from reos.events.registry import subscribe
from reos.models import AuditLog, Event, LeadActivity, PropertyHistory

# Task runs keep their own record (status, failures, dead letters); auditing each of their
# state changes would bury the people's actions under the machine's.
NOT_AUDITED = ("task.",)
LEAD_STATUS_CHANGE = "status_change"  # the timeline's activity type for a status change


@subscribe("*")
def audit_entry(session: Session, event: catalog.DomainEvent, row: Event) -> None:
    """One audit entry per event: who did what to which record, with the payload."""
    if event.type.startswith(NOT_AUDITED):
        return
    changes = {k: v for k, v in row.payload.items() if k not in ("version", event.entity_field)}
    session.add(
        AuditLog(
            organization_id=row.organization_id,
            action=event.type,
            entity_type=event.entity_type,
            entity_id=row.entity_id[:64] if row.entity_id else None,
            actor_user_id=event.actor_user_id,
            changes=changes or None,
            created_at=row.occurred_at,
        )
    )


def _history(
    row: Event,
    change_type: str,
    property_id: object,
    field: str | None = None,
    old: str | None = None,
    new: str | None = None,
) -> PropertyHistory:
    return PropertyHistory(
        organization_id=row.organization_id,
        property_id=property_id,
        change_type=change_type,
        field=field,
        old_value=old,
        new_value=new,
        actor_user_id=row.actor_user_id,
        changed_at=row.occurred_at,
    )


@subscribe(
    "property.created",
    "property.updated",
    "property.archived",
    "property.valued",
    "listing.published",
)
def property_history(session: Session, event: catalog.DomainEvent, row: Event) -> None:
    """The property's history: its creation, each changed field, archive, valuations, and
    the moments it was listed."""
    if isinstance(event, catalog.PropertyCreated):
        session.add(_history(row, "created", event.property_id))
    elif isinstance(event, catalog.PropertyUpdated):
        for change in event.changes:
            session.add(
                _history(row, "updated", event.property_id, change.field, change.old, change.new)
            )
    elif isinstance(event, catalog.PropertyArchived):
        status = "status", event.previous_status, "archived"
        session.add(_history(row, "archived", event.property_id, *status))
    elif isinstance(event, catalog.PropertyValued):
        previous = None if event.previous_value is None else format(event.previous_value, "f")
        value = "value", previous, format(event.value, "f")
        session.add(_history(row, "valued", event.property_id, *value))
    elif isinstance(event, catalog.ListingPublished):
        listed = "listing_status", event.previous_status, "active"
        session.add(_history(row, "listed", event.property_id, *listed))


@subscribe("lead.status_changed")
def lead_timeline(session: Session, event: catalog.DomainEvent, row: Event) -> None:
    """A status change is an entry of the lead's timeline."""
    assert isinstance(event, catalog.LeadStatusChanged)
    session.add(
        LeadActivity(
            organization_id=row.organization_id,
            lead_id=event.lead_id,
            activity_type=LEAD_STATUS_CHANGE,
            summary=f"{event.from_status} → {event.to_status}",
            occurred_at=row.occurred_at,
            actor_user_id=row.actor_user_id,
        )
    )
