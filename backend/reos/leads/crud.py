"""Lead CRUD with dedupe: create, update (a status change is its own event), archive.

Every function works in the caller's session (bound to one organization), records its event
(`reos.events`: the audit trail and the timeline subscribe to it), flushes and never commits.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reos import events
from reos.core.db import savepoint
from reos.core.errors import Conflict, FieldProblem, ValidationFailed
from reos.events.catalog import LeadArchived, LeadCreated, LeadStatusChanged, LeadUpdated
from reos.leads.queries import get_lead
from reos.leads.schemas import LeadIn
from reos.models import Lead, LeadSource, Property, User


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal | uuid.UUID) else value


# --- validation shared by create, update and import --------------------------------------------


def _duplicate_conflict(
    session: Session, *, email: str | None, phone: str | None, exclude: uuid.UUID | None = None
) -> Conflict | None:
    """The 409 for a lead whose email or phone another lead already has, archived ones included
    (the unique constraints include them too, and reviving beats duplicating)."""
    for field, value, column in (("email", email, Lead.email), ("phone", phone, Lead.phone)):
        if value is None:
            continue
        query = select(Lead).where(column == value).execution_options(include_archived=True)
        if exclude is not None:
            query = query.where(Lead.id != exclude)
        existing = session.scalars(query.limit(1)).first()
        if existing is not None:
            archived = existing.deleted_at is not None
            return Conflict(
                f"Lead {existing.id} already has this {field}"
                + (" (archived)." if archived else "."),
                errors=[
                    FieldProblem(
                        f"body.{field}", f"already used by lead {existing.id}", "duplicate"
                    )
                ],
                extra={"existing_lead_id": str(existing.id), "existing_lead_archived": archived},
            )
    return None


def _check_references(
    session: Session, *, assigned_to: uuid.UUID | None, property_id: uuid.UUID | None
) -> None:
    problems = []
    if assigned_to is not None:
        member = session.scalar(
            select(User.id).where(User.id == assigned_to, User.status == "active")
        )
        if member is None:
            problems.append(
                FieldProblem(
                    "body.assigned_to", "not an active member of your organization", "not_found"
                )
            )
    if property_id is not None and (
        session.scalar(select(Property.id).where(Property.id == property_id)) is None
    ):
        problems.append(
            FieldProblem("body.property_id", "no such property in your organization", "not_found")
        )
    if problems:
        raise ValidationFailed(
            "Invalid input: " + ", ".join(p.field for p in problems) + ".", errors=problems
        )


def _source_named(session: Session, name: str) -> LeadSource:
    """The organization's source of that name (any casing), created on first use."""

    def find() -> LeadSource | None:
        return session.scalars(
            select(LeadSource).where(func.lower(LeadSource.name) == name.lower())
        ).first()

    source = find()
    if source is not None:
        return source
    source = LeadSource(name=name)
    try:
        # A savepoint, so a concurrent creator of the same name costs a re-read, not the request.
        with savepoint(session):
            session.add(source)
            session.flush()
    except IntegrityError:
        source = find()
        if source is None:
            raise
    return source


def _validation_failed(exc: ValidationError, prefix: str = "body") -> ValidationFailed:
    problems = [
        FieldProblem(
            ".".join([prefix, *(str(part) for part in error["loc"])]), error["msg"], error["type"]
        )
        for error in exc.errors()
    ]
    return ValidationFailed(
        "Invalid input: " + ", ".join(p.field for p in problems[:5]) + ".", errors=problems
    )


# --- writing leads ------------------------------------------------------------------------------


def create_lead(
    session: Session, *, actor_user_id: uuid.UUID | None, data: LeadIn, origin: str = "api"
) -> Lead:
    """Add a lead after checking that it duplicates none and refers only to this organization."""
    conflict = _duplicate_conflict(session, email=data.email, phone=data.phone)
    if conflict is not None:
        raise conflict
    _check_references(session, assigned_to=data.assigned_to, property_id=data.property_id)
    source = _source_named(session, data.source) if data.source else None
    lead = Lead(
        first_name=data.first_name,
        last_name=data.last_name,
        email=data.email,
        phone=data.phone,
        source=source.name if source else None,
        source_id=source.id if source else None,
        status=data.status,
        assigned_to_id=data.assigned_to,
        budget_min=data.budget_min,
        budget_max=data.budget_max,
        notes=data.notes,
        property_id=data.property_id,
    )
    session.add(lead)
    session.flush()
    created = LeadCreated(
        lead_id=lead.id, origin=origin, status=lead.status, actor_user_id=actor_user_id
    )
    events.record(session, created)
    return lead


def _as_input(lead: Lead) -> dict[str, Any]:
    """The lead's editable fields, shaped like a LeadIn."""
    return {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "source": lead.source,
        "status": lead.status,
        "assigned_to": lead.assigned_to_id,
        "budget_min": lead.budget_min,
        "budget_max": lead.budget_max,
        "notes": lead.notes,
        "property_id": lead.property_id,
    }


def update_lead(
    session: Session, *, actor_user_id: uuid.UUID, lead_id: uuid.UUID, changes: dict[str, Any]
) -> Lead:
    """Apply the given fields; the resulting lead is validated and deduplicated as a new one
    would be, and a status change is written to the timeline."""
    lead = get_lead(session, lead_id=lead_id)
    before = _as_input(lead)
    try:
        data = LeadIn.model_validate({**before, **changes})
    except ValidationError as exc:
        raise _validation_failed(exc) from exc
    after = data.model_dump()
    changed = {name: value for name, value in after.items() if value != before[name]}
    if not changed:
        return lead
    conflict = _duplicate_conflict(
        session, email=changed.get("email"), phone=changed.get("phone"), exclude=lead.id
    )
    if conflict is not None:
        raise conflict
    # Only new references are checked: a lead may keep a member who has since been disabled.
    _check_references(
        session, assigned_to=changed.get("assigned_to"), property_id=changed.get("property_id")
    )
    if "source" in changed:
        source = _source_named(session, data.source) if data.source else None
        lead.source, lead.source_id = (source.name, source.id) if source else (None, None)
    lead.first_name, lead.last_name = data.first_name, data.last_name
    lead.email, lead.phone, lead.status = data.email, data.phone, data.status
    lead.budget_min, lead.budget_max, lead.notes = data.budget_min, data.budget_max, data.notes
    lead.assigned_to_id, lead.property_id = data.assigned_to, data.property_id
    session.flush()
    if "status" in changed:
        status_changed = LeadStatusChanged(
            lead_id=lead.id,
            from_status=before["status"],
            to_status=data.status,
            actor_user_id=actor_user_id,
        )
        events.record(session, status_changed)
    values = {name: _jsonable(value) for name, value in changed.items()}
    events.record(
        session, LeadUpdated(lead_id=lead.id, changes=values, actor_user_id=actor_user_id)
    )
    return lead


def archive_lead(session: Session, *, actor_user_id: uuid.UUID, lead_id: uuid.UUID) -> None:
    """Hide a lead from every list and lookup; its email and phone stay reserved."""
    lead = get_lead(session, lead_id=lead_id)
    archived = events.record(session, LeadArchived(lead_id=lead.id, actor_user_id=actor_user_id))
    lead.deleted_at = archived.occurred_at
    session.flush()
