"""The property side of the CSV import pipeline (`reos.imports`): rows are `PropertyIn`, a
property is identified by its normalized address and its APN, and a batch is one
INSERT ... ON CONFLICT DO NOTHING plus the history and audit rows of exactly the ids created.

A row the unique constraints turn away, because the organization already has a property
(archived or not) with its address or APN, or because another writer committed one meanwhile,
is a duplicate; no savepoint is needed for that, so a batch costs a few statements instead of
several per row.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, insert, or_, select
from sqlalchemy.orm import Session

from reos.imports.pipeline import ImportRow, Key, importer_for
from reos.imports.reading import RowError
from reos.imports.writing import insert_new
from reos.models import AuditLog, Property, PropertyHistory
from reos.properties.crud import property_identity as identity
from reos.properties.schemas import PropertyIn

LOOKUP_ROWS = 500  # keys one look-up query asks about (bind-parameter limits)
PROPERTIES = cast(Table, Property.__table__)
HISTORY = cast(Table, PropertyHistory.__table__)
AUDIT_LOGS = cast(Table, AuditLog.__table__)
CREATED_ACTION = "property.created"


class PropertyImport:
    """Properties for `reos.imports.pipeline` (an `ImportFeature`)."""

    name = "properties"
    schema = PropertyIn
    constrained = frozenset({"address", "apn"})

    def dedupe_keys(self, record: PropertyIn) -> tuple[Key, ...]:
        normalized, apn_digest = identity(record)
        return (
            (("address", normalized),)
            if apn_digest is None
            else (
                ("address", normalized),
                ("apn", apn_digest),
            )
        )

    def stored_keys(self, session: Session, *, keys: set[Key]) -> set[Key]:
        ordered = sorted(keys, key=repr)
        stored: set[Key] = set()
        for start in range(0, len(ordered), LOOKUP_ROWS):
            part = ordered[start : start + LOOKUP_ROWS]
            addresses = [value for kind, value in part if kind == "address"]
            apn_hashes = [value for kind, value in part if kind == "apn"]
            query = select(Property.normalized_address, Property.apn_hash).where(
                or_(
                    Property.normalized_address.in_(addresses),
                    Property.apn_hash.in_(apn_hashes),
                )
            )
            for address, apn_digest in session.execute(
                query.execution_options(include_archived=True)
            ):
                stored.update({("address", address), ("apn", apn_digest)})
        return stored & keys

    def check_rows(self, session: Session, *, rows: Sequence[ImportRow]) -> list[RowError]:
        return []  # a property refers to no other row

    def write_batch(
        self,
        session: Session,
        *,
        rows: Sequence[ImportRow],
        organization_id: uuid.UUID,
        actor_user_id: uuid.UUID | None,
    ) -> set[uuid.UUID]:
        values = []
        for row in rows:
            keys = dict(row.keys)
            values.append(
                {
                    **row.record.model_dump(),
                    "id": row.id,
                    "organization_id": organization_id,
                    "normalized_address": keys["address"],
                    "apn_hash": keys.get("apn"),
                    "created_by_id": actor_user_id,
                    "created_at": row.created_at,
                    "updated_at": row.created_at,
                }
            )
        created = insert_new(session, table=PROPERTIES, values=values)
        record_creations(
            session,
            [row for row in rows if row.id in created],
            organization_id=organization_id,
            actor_user_id=actor_user_id,
        )
        return created


def record_creations(
    session: Session,
    rows: Sequence[ImportRow],
    *,
    organization_id: uuid.UUID,
    actor_user_id: uuid.UUID | None,
) -> None:
    """Each created property's "created" history row and `property.created` audit entry, as
    `service.create_property` writes them, so the trail is one entry per property whichever way
    it was created."""
    if not rows:
        return
    history, audit = [], []
    for row in rows:
        history.append(
            {
                "id": uuid.uuid4(),
                "organization_id": organization_id,
                "property_id": row.id,
                "change_type": "created",
                "actor_user_id": actor_user_id,
                "changed_at": row.created_at,
            }
        )
        audit.append(
            {
                "id": uuid.uuid4(),
                "organization_id": organization_id,
                "action": CREATED_ACTION,
                "entity_type": "property",
                "entity_id": str(row.id),
                "actor_user_id": actor_user_id,
                "changes": {"address": dict(row.keys)["address"]},
                "created_at": row.created_at,
            }
        )
    session.execute(insert(HISTORY), history)
    session.execute(insert(AUDIT_LOGS), audit)


PROPERTY_IMPORT = PropertyImport()


import_properties_csv = importer_for(PROPERTY_IMPORT)
