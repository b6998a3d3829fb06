"""Inserting a batch of new rows set-based, leaving out those a unique constraint turns away."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import psycopg
from psycopg import sql
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

# The dialects whose INSERT has ON CONFLICT DO NOTHING.
INSERTS: dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}
STAGING = "import_staging"


def insert_new(
    session: Session, *, table: Table, values: Sequence[Mapping[str, Any]]
) -> set[uuid.UUID]:
    """Insert `values` (dicts with the same keys, an `id` among them) into `table` with
    ON CONFLICT DO NOTHING, and return the ids of the rows inserted."""
    if not values:
        return set()
    dialect = session.connection().dialect.name
    if dialect == "postgresql":
        return _copy_and_insert(session, table, values)
    statement = INSERTS[dialect](table).on_conflict_do_nothing().returning(table.c.id)
    # SQLAlchemy sends this as multi-row INSERTs ("insertmanyvalues").
    return set(session.execute(statement, list(values)).scalars())


def _copy_and_insert(
    session: Session, table: Table, values: Sequence[Mapping[str, Any]]
) -> set[uuid.UUID]:
    """COPY into a temporary table, then one INSERT ... SELECT ... ON CONFLICT DO NOTHING.

    PostgreSQL refuses COPY FROM into a table under Row-Level Security, but a temporary table
    has none; the INSERT from it goes through the policies as any INSERT does. COPY moves the
    rows several times faster than multi-row VALUES with their bind parameters.
    """
    columns = list(values[0])
    names = sql.SQL(", ").join(sql.Identifier(column) for column in columns)
    staging, target = sql.Identifier(STAGING), sql.Identifier(table.name)
    # The table's column types without its constraints, defaults or indexes.
    create = sql.SQL(
        "CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {names} FROM {target} WITH NO DATA"
    ).format(staging=staging, names=names, target=target)
    copy = sql.SQL("COPY {staging} ({names}) FROM STDIN").format(staging=staging, names=names)
    insert = sql.SQL(
        "INSERT INTO {target} ({names}) SELECT {names} FROM {staging} "
        "ON CONFLICT DO NOTHING RETURNING id"
    ).format(target=target, names=names, staging=staging)
    # The session's own connection, so all of it is in the caller's transaction.
    connection = cast(psycopg.Connection[Any], session.connection().connection.dbapi_connection)
    with connection.cursor() as cursor:
        cursor.execute(create)
        with cursor.copy(copy) as stream:
            for row in values:
                stream.write_row([row[column] for column in columns])
        cursor.execute(insert)
        created = {created_id for (created_id,) in cursor.fetchall()}
        cursor.execute(sql.SQL("DROP TABLE {staging}").format(staging=staging))
    return created
