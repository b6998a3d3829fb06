"""The lead side of the CSV import pipeline (`reos.imports`): rows are `LeadIn`, a lead is
identified by its email and its E.164 phone (or, having neither, by its name), and a batch is
one INSERT ... ON CONFLICT DO NOTHING plus the audit entries of exactly the ids created.

The unique constraints on (organization, email) and (organization, phone) turn away a row whose
email or phone a stored lead has, archived or not, or another writer committed meanwhile. A lead
known only by its name has no constraint; the pipeline looks its name up, under its per
organization import lock on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, tuple_
from sqlalchemy.orm import Session

from reos.imports.pipeline import ImportRow, Key, importer_for
from reos.imports.reading import RowError
from reos.imports.writing import insert_new
from reos.leads.schemas import LeadIn
from reos.models import AuditLog, Lead, LeadSource, Property, User

LOOKUP_ROWS = 500  # values one look-up query asks about (bind-parameter limits)
LEADS = cast(Table, Lead.__table__)
LEAD_SOURCES = cast(Table, LeadSource.__table__)
AUDIT_LOGS = cast(Table, AuditLog.__table__)
CREATED_ACTION = "lead.created"


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    ordered = list(values)
    for start in range(0, len(ordered), LOOKUP_ROWS):
        yield ordered[start : start + LOOKUP_ROWS]


class LeadImport:
    """Leads for `reos.imports.pipeline` (an `ImportFeature`)."""

    name = "leads"
    schema = LeadIn
    constrained = frozenset({"email", "phone"})

    def dedupe_keys(self, record: LeadIn) -> tuple[Key, ...]:
        keys: list[Key] = []
        if record.email is not None:
            keys.append(("email", record.email))
        if record.phone is not None:
            keys.append(("phone", record.phone))
        # Without email or phone only the name recognises the lead again; without this key
        # every re-import of such a row would add it once more.
        return tuple(keys) or (("name", (record.first_name.lower(), record.last_name.lower())),)

    def stored_keys(self, session: Session, *, keys: set[Key]) -> set[Key]:
        stored: set[Key] = set()
        for kind, column in (("email", Lead.email), ("phone", Lead.phone)):
            for part in _chunks(value for key_kind, value in keys if key_kind == kind):
                query = select(column).where(column.in_(part))
                found = session.scalars(query.execution_options(include_archived=True))
                stored.update((kind, value) for value in found)
        first, last = func.lower(Lead.first_name), func.lower(Lead.last_name)
        for part in _chunks(value for kind, value in keys if kind == "name"):
            named = select(first, last).where(
                tuple_(first, last).in_(part), Lead.email.is_(None), Lead.phone.is_(None)
            )
            for found_first, found_last in session.execute(
                named.execution_options(include_archived=True)
            ):
                stored.add(("name", (found_first, found_last)))
        return stored & keys

    def check_rows(self, session: Session, *, rows: Sequence[ImportRow]) -> list[RowError]:
        """A lead may be assigned only to an active member, and refer only to a live property,
        of its organization (the session's tenancy hides every other)."""
        members: set[uuid.UUID] = set()
        properties: set[uuid.UUID] = set()
        wanted_members = {row.record.assigned_to for row in rows} - {None}
        for part in _chunks(wanted_members):
            query = select(User.id).where(User.id.in_(part), User.status == "active")
            members.update(session.scalars(query))
        for part in _chunks({row.record.property_id for row in rows} - {None}):
            properties.update(session.scalars(select(Property.id).where(Property.id.in_(part))))
        problems: list[RowError] = []
        for row in rows:
            if row.record.assigned_to is not None and row.record.assigned_to not in members:
                message = "not an active member of your organization"
                problems.append({"row": row.line, "field": "assigned_to", "message": message})
            if row.record.property_id is not None and row.record.property_id not in properties:
                message = "no such property in your organization"
                problems.append({"row": row.line, "field": "property_id", "message": message})
        return problems

    def write_batch(
        self,
        session: Session,
        *,
        rows: Sequence[ImportRow],
        organization_id: uuid.UUID,
        actor_user_id: uuid.UUID | None,
    ) -> set[uuid.UUID]:
        sources = _sources_named(
            session, (row.record.source for row in rows if row.record.source), organization_id
        )
        values = []
        for row in rows:
            data: LeadIn = row.record
            source_id, source = sources.get((data.source or "").lower(), (None, None))
            values.append(
                {
                    "id": row.id,
                    "organization_id": organization_id,
                    "first_name": data.first_name,
                    "last_name": data.last_name,
                    "email": data.email,
                    "phone": data.phone,
                    "source": source,
                    "source_id": source_id,
                    "status": data.status,
                    "assigned_to_id": data.assigned_to,
                    "budget_min": data.budget_min,
                    "budget_max": data.budget_max,
                    "notes": data.notes,
                    "property_id": data.property_id,
                    "created_at": row.created_at,
                    "updated_at": row.created_at,
                }
            )
        created = insert_new(session, table=LEADS, values=values)
        record_creations(
            session,
            [row for row in rows if row.id in created],
            organization_id=organization_id,
            actor_user_id=actor_user_id,
        )
        return created


def _sources_named(
    session: Session, names: Iterable[str], organization_id: uuid.UUID
) -> dict[str, tuple[uuid.UUID, str]]:
    """The organization's sources of these names (any casing), created on first use, by their
    lower-cased name: (id, name as stored)."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(name.lower(), name)  # the file's first spelling names a new source

    def find() -> dict[str, tuple[uuid.UUID, str]]:
        found: dict[str, tuple[uuid.UUID, str]] = {}
        for part in _chunks(wanted):
            query = select(LeadSource.id, LeadSource.name).where(
                func.lower(LeadSource.name).in_(part)
            )
            for source_id, name in session.execute(query):
                found.setdefault(name.lower(), (source_id, name))
        return found

    found = find()
    missing = [name for lowered, name in wanted.items() if lowered not in found]
    if not missing:
        return found
    now = datetime.now(UTC)
    new = [
        {
            "id": uuid.uuid4(),
            "organization_id": organization_id,
            "name": name,
            "channel": "other",
            "quality_weight": Decimal("1.00"),
            "created_at": now,
            "updated_at": now,
        }
        for name in missing
    ]
    # A source another writer created meanwhile is turned away here and read back below.
    insert_new(session, table=LEAD_SOURCES, values=new)
    return find()


def record_creations(
    session: Session,
    rows: Sequence[ImportRow],
    *,
    organization_id: uuid.UUID,
    actor_user_id: uuid.UUID | None,
) -> None:
    """Each created lead's `lead.created` audit entry, as `service.create_lead` writes it."""
    if not rows:
        return
    audit = [
        {
            "id": uuid.uuid4(),
            "organization_id": organization_id,
            "action": CREATED_ACTION,
            "entity_type": "lead",
            "entity_id": str(row.id),
            "actor_user_id": actor_user_id,
            "changes": {"origin": "import", "status": row.record.status},
            "created_at": row.created_at,
        }
        for row in rows
    ]
    session.execute(insert(AUDIT_LOGS), audit)


LEAD_IMPORT = LeadImport()


import_leads_csv = importer_for(LEAD_IMPORT)
