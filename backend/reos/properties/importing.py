"""Writing the valid rows of a property CSV import, a batch at a time and set-based.

A batch is one INSERT ... ON CONFLICT DO NOTHING ... RETURNING id, followed by the history and
audit rows of exactly the returned ids. A row the unique constraints turn away, because the
organization already has a property (archived or not) with its address or APN, or because
another writer committed one meanwhile, is a duplicate; no savepoint is needed for that, so a
batch costs a few statements instead of several per row.

Each created property gets its "created" history row and its own `property.created` audit
entry, as `service.create_property` writes them: inserted with the properties, set-based, they
cost little next to the properties themselves, and the audit trail stays one entry per property
whichever way it was created.
"""

from __future__ import annotations

import operator
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import psycopg
from sqlalchemy import Table, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from reos.models import AuditLog, Property, PropertyHistory
from reos.properties.schemas import PropertyIn

BATCH_ROWS = 5000
LOOKUP_ROWS = 500  # rows whose keys one look-up query asks about (bind-parameter limits)
PROPERTIES = cast(Table, Property.__table__)
HISTORY = cast(Table, PropertyHistory.__table__)
AUDIT_LOGS = cast(Table, AuditLog.__table__)
CREATED_ACTION = "property.created"
# The dialects whose INSERT has ON CONFLICT DO NOTHING.
INSERTS: dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


@dataclass(slots=True)
class Row:
    """A valid CSV row: its line in the file, its `PropertyIn` fields and its identity."""

    line: int
    fields: dict[str, Any]
    normalized_address: str
    apn_hash: str | None
    created_at: datetime
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class Claims:
    """Addresses and APN hashes that belong to someone: a row holding one is a duplicate."""

    addresses: set[str] = field(default_factory=set)
    apn_hashes: set[str] = field(default_factory=set)

    def hold(self, row: Row) -> bool:
        return row.normalized_address in self.addresses or (
            row.apn_hash is not None and row.apn_hash in self.apn_hashes
        )

    def add(self, address: str, apn_digest: str | None) -> None:
        self.addresses.add(address)
        if apn_digest is not None:
            self.apn_hashes.add(apn_digest)


def to_insert(session: Session, rows: list[Row], created_earlier: Claims) -> list[Row]:
    """The rows of a batch to insert, in file order, without those an earlier row of the file
    takes the place of.

    As when rows were created one by one, an earlier row counts only if it was created: one that
    was itself a duplicate of a stored property claims nothing. Rows created by earlier batches
    are in `created_earlier`. Within the batch, whether an earlier row sharing a key with a later
    one gets created depends on what is stored, so the keys of such rows (there are none in most
    files) are looked up; every other row is left to ON CONFLICT.
    """
    fresh = [row for row in rows if not created_earlier.hold(row)]
    addresses = Counter(row.normalized_address for row in fresh)
    apn_hashes = Counter(row.apn_hash for row in fresh if row.apn_hash is not None)
    shared = [
        row
        for row in fresh
        if addresses[row.normalized_address] > 1
        or (row.apn_hash is not None and apn_hashes[row.apn_hash] > 1)
    ]
    stored = _stored_claims(session, shared)
    chosen: list[Row] = []
    taken = Claims()
    for row in fresh:
        if not (taken.hold(row) or stored.hold(row)):
            taken.add(row.normalized_address, row.apn_hash)
            chosen.append(row)
    return chosen


def _stored_claims(session: Session, rows: list[Row]) -> Claims:
    """The addresses and APN hashes of stored properties (archived ones included) that any of
    `rows` has."""
    claims = Claims()
    for start in range(0, len(rows), LOOKUP_ROWS):
        part = rows[start : start + LOOKUP_ROWS]
        same = [Property.normalized_address.in_({row.normalized_address for row in part})]
        apn_hashes = {row.apn_hash for row in part if row.apn_hash is not None}
        if apn_hashes:
            same.append(Property.apn_hash.in_(apn_hashes))
        query = select(Property.normalized_address, Property.apn_hash).where(or_(*same))
        for address, apn_digest in session.execute(query.execution_options(include_archived=True)):
            claims.add(address, apn_digest)
    return claims


def insert_rows(
    session: Session,
    rows: list[Row],
    *,
    organization_id: uuid.UUID,
    actor_user_id: uuid.UUID | None,
) -> set[uuid.UUID]:
    """Create the properties of `rows` that take no stored address or APN, with their history
    and audit rows, and return the ids of those created."""
    if not rows:
        return set()
    if session.connection().dialect.name == "postgresql":
        return _copy_and_insert(session, rows, organization_id, actor_user_id)
    return _insert_values(session, rows, organization_id, actor_user_id)


def _insert_values(
    session: Session,
    rows: list[Row],
    organization_id: uuid.UUID,
    actor_user_id: uuid.UUID | None,
) -> set[uuid.UUID]:
    """Any dialect with ON CONFLICT: multi-row INSERTs (SQLAlchemy's "insertmanyvalues")."""
    dialect = session.connection().dialect.name
    statement = INSERTS[dialect](PROPERTIES).on_conflict_do_nothing().returning(PROPERTIES.c.id)
    values = [
        {
            **row.fields,
            "id": row.id,
            "organization_id": organization_id,
            "normalized_address": row.normalized_address,
            "apn_hash": row.apn_hash,
            "created_by_id": actor_user_id,
            "created_at": row.created_at,
            "updated_at": row.created_at,
        }
        for row in rows
    ]
    created = set(session.execute(statement, values).scalars())
    _record_creations(
        session, [row for row in rows if row.id in created], organization_id, actor_user_id
    )
    return created


def _record_creations(
    session: Session,
    rows: Iterable[Row],
    organization_id: uuid.UUID,
    actor_user_id: uuid.UUID | None,
) -> None:
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
                "changes": {"address": row.normalized_address},
                "created_at": row.created_at,
            }
        )
    if history:
        session.execute(insert(HISTORY), history)
        session.execute(insert(AUDIT_LOGS), audit)


# --- PostgreSQL: COPY into a staging table ------------------------------------------------------

# PostgreSQL refuses COPY FROM into a table under Row-Level Security, but a temporary table has
# none; from there one statement inserts the properties (through the policies, as any INSERT)
# and, for those created, their history and audit rows.
STAGING = "property_import"
FIELDS = tuple(PropertyIn.model_fields)
STAGED_COLUMNS = ("id", "created_at", *FIELDS, "normalized_address", "apn_hash")
_STAGED = ", ".join(STAGED_COLUMNS)
# The staged columns with their types, but without the constraints of the real table.
CREATE_STAGING = (
    f"CREATE TEMP TABLE {STAGING} ON COMMIT DROP AS SELECT {_STAGED} FROM properties WITH NO DATA"  # noqa: S608
)
COPY_STAGING = f"COPY {STAGING} ({_STAGED}) FROM STDIN"
# Identifiers only, from the model; every value is a bound parameter.
INSERT_STAGED = f"""
WITH created AS (
    INSERT INTO properties ({_STAGED}, organization_id, created_by_id, updated_at)
    SELECT {_STAGED}, CAST(%(organization)s AS uuid), CAST(%(actor)s AS uuid), created_at
    FROM {STAGING}
    ON CONFLICT DO NOTHING
    RETURNING id, normalized_address, created_at
), history AS (
    INSERT INTO property_history
        (id, organization_id, property_id, change_type, actor_user_id, changed_at)
    SELECT gen_random_uuid(), CAST(%(organization)s AS uuid), id, 'created',
        CAST(%(actor)s AS uuid), created_at
    FROM created
), audit AS (
    INSERT INTO audit_logs
        (id, organization_id, action, entity_type, entity_id, actor_user_id, changes, created_at)
    SELECT gen_random_uuid(), CAST(%(organization)s AS uuid), '{CREATED_ACTION}', 'property',
        id::text, CAST(%(actor)s AS uuid), json_build_object('address', normalized_address),
        created_at
    FROM created
)
SELECT id FROM created
"""  # noqa: S608


def _copy_and_insert(
    session: Session,
    rows: list[Row],
    organization_id: uuid.UUID,
    actor_user_id: uuid.UUID | None,
) -> set[uuid.UUID]:
    # The session's own connection, so all of it is in the caller's transaction.
    connection = cast(psycopg.Connection[Any], session.connection().connection.dbapi_connection)
    field_values = operator.itemgetter(*FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(CREATE_STAGING)
        with cursor.copy(COPY_STAGING) as copy:
            for row in rows:
                copy.write_row(
                    (
                        row.id,
                        row.created_at,
                        *field_values(row.fields),
                        row.normalized_address,
                        row.apn_hash,
                    )
                )
        cursor.execute(INSERT_STAGED, {"organization": organization_id, "actor": actor_user_id})
        created = {created_id for (created_id,) in cursor.fetchall()}
        cursor.execute(f"DROP TABLE {STAGING}")
    return created
