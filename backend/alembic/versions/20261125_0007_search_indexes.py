"""search indexes

What /api/v1/search reads, and nothing a model declares (so autogenerate and `alembic check`
must be told to leave these objects alone):

- PostgreSQL: the pg_trgm extension; GIN indexes on tsvector expressions and trigram GIN indexes
  on properties.address, properties.city and the leads' first and last names; and the functions
  that use them. Row-Level Security keeps the planner from using an index for an operator that
  is not leakproof (`@@`, ILIKE) while the tenant policy applies, so under the app role every
  text lookup would scan the organization's rows. The look-ups therefore run as the owner, in
  SECURITY DEFINER functions that answer only for the caller's `app.org_id` (as the policies
  do) and return ids and ranks; the app then reads the rows themselves under RLS. As for the
  other owner look-ups, a SELECT policy for the owner keeps FORCE from binding it.
- SQLite: FTS5 external-content tables over properties, leads and campaigns, keyed by the rows'
  rowids and kept in sync by INSERT, UPDATE and DELETE triggers, then rebuilt from the existing
  rows. A later migration that rebuilds one of these tables (batch mode copies it) drops its
  triggers and renumbers its rowids: it must recreate the triggers and run
  `INSERT INTO <table>_fts(<table>_fts) VALUES('rebuild')`; so must anything that VACUUMs.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 21:00:00
"""

import os
import re
from collections.abc import Sequence

from alembic import op
from sqlalchemy.exc import DBAPIError

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CURRENT_ORG = "NULLIF(current_setting('app.org_id', true), '')::uuid"
SEARCH_TABLES = ("properties", "leads", "campaigns")

# The indexed documents; each function below matches on the very same expression, or the index
# would not be used.
TSVECTOR = {
    "properties": (
        "setweight(to_tsvector('english', coalesce(address, '')), 'A') || "
        "setweight(to_tsvector('english', coalesce(city, '')), 'B') || "
        "setweight(to_tsvector('english', coalesce(description, '')), 'C')"
    ),
    "leads": (
        "setweight(to_tsvector('english', coalesce(first_name, '') || ' ' || "
        "coalesce(last_name, '')), 'A') || "
        "setweight(to_tsvector('english', coalesce(email, '') || ' ' || "
        "coalesce(phone, '')), 'B') || "
        "setweight(to_tsvector('english', coalesce(notes, '')), 'C')"
    ),
    "campaigns": "to_tsvector('english', coalesce(name, ''))",
}
PG_TRIGRAM_INDEXES = {
    "ix_properties_address_trgm": ("properties", "address"),
    "ix_properties_city_trgm": ("properties", "city"),
    "ix_leads_first_name_trgm": ("leads", "first_name"),
    "ix_leads_last_name_trgm": ("leads", "last_name"),
}
# The look-ups, as dynamic SQL so that each is planned with its actual values (a static SQL
# function body gets a generic plan, which cannot tell a selective pattern from a common one,
# nor see that a NULL pattern matches nothing). $1 is always the caller's organization.
# LIKE patterns come escaped (backslash) from the caller.
SEARCH = """
  SELECT t.id, ts_rank({document}, q.query)
  FROM public.{table} AS t, websearch_to_tsquery('english', $2) AS q(query)
  WHERE t.organization_id = $1 AND t.deleted_at IS NULL AND {document} @@ q.query
"""
SUGGEST_ADDRESSES = """
  SELECT t.id, t.address::text, t.address ILIKE $2
  FROM public.properties AS t
  WHERE t.organization_id = $1 AND t.deleted_at IS NULL
    AND (t.address ILIKE $3 OR t.address ILIKE $4 OR t.address ILIKE $5)
  ORDER BY 3 DESC, 2
  LIMIT $6
"""
SUGGEST_CITIES = """
  SELECT c.id, c.city, c.starts FROM (
    SELECT DISTINCT ON (t.city) t.id, t.city::text AS city, t.city ILIKE $2 AS starts
    FROM public.properties AS t
    WHERE t.organization_id = $1 AND t.deleted_at IS NULL
      AND (t.city ILIKE $3 OR t.city ILIKE $4 OR t.city ILIKE $5)
    ORDER BY t.city, t.id
  ) AS c
  ORDER BY 3 DESC, 2
  LIMIT $6
"""
SUGGEST_LEADS = """
  SELECT t.id, (t.first_name || ' ' || t.last_name)::text,
         t.first_name ILIKE $2 OR t.last_name ILIKE $2
  FROM public.leads AS t
  WHERE t.organization_id = $1 AND t.deleted_at IS NULL
    AND (t.first_name ILIKE $3 OR t.first_name ILIKE $4 OR t.first_name ILIKE $5
         OR t.last_name ILIKE $3 OR t.last_name ILIKE $4 OR t.last_name ILIKE $5
         OR (t.first_name ILIKE $7 AND t.last_name ILIKE $8))
  ORDER BY 3 DESC, t.last_name, t.first_name
  LIMIT $6
"""
# p_starts ranks (what starts with it comes first); a row matches p_prefix, p_word or
# p_contains, and a NULL pattern, planned away, matches nothing.
SUGGESTION_ARGUMENTS = "p_starts text, p_prefix text, p_word text, p_contains text, p_limit integer"
SUGGESTION_RESULT = "id uuid, label text, starts boolean"
FUNCTIONS = {
    # name: (arguments, result columns, dynamic SQL)
    **{
        f"reos_search_{table}": (
            "p_query text",
            "id uuid, rank real",
            SEARCH.format(table=table, document=TSVECTOR[table]),
        )
        for table in SEARCH_TABLES
    },
    "reos_suggest_addresses": (SUGGESTION_ARGUMENTS, SUGGESTION_RESULT, SUGGEST_ADDRESSES),
    "reos_suggest_cities": (SUGGESTION_ARGUMENTS, SUGGESTION_RESULT, SUGGEST_CITIES),
    "reos_suggest_leads": (
        SUGGESTION_ARGUMENTS + ", p_first text, p_last text",
        SUGGESTION_RESULT,
        SUGGEST_LEADS,
    ),
}


def _function(name: str) -> str:
    """CREATE FUNCTION for one look-up: the caller's organization, then the arguments in order,
    are the dynamic SQL's $1, $2, ..."""
    arguments, columns, query = FUNCTIONS[name]
    names = ", ".join(argument.split()[0] for argument in arguments.split(", "))
    return (
        f"CREATE FUNCTION {name}({arguments}) RETURNS TABLE({columns}) "
        "LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public "
        f"AS $function$ BEGIN RETURN QUERY EXECUTE $query$ {query} $query$ "
        f"USING {CURRENT_ORG}, {names}; END $function$"
    )


def _app_role() -> str:
    role = os.environ.get("DB_APP_ROLE", "reos_app")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DB_APP_ROLE must be a plain identifier, got {role!r}")
    return role


def _signature(name: str) -> str:
    arguments = FUNCTIONS[name][0]
    return f"{name}({', '.join(a.split()[1] for a in arguments.split(', '))})"


# table → the columns its FTS5 table indexes, in bm25() weight order.
FTS_COLUMNS = {
    "properties": ("address", "city", "description"),
    "leads": ("first_name", "last_name", "email", "phone", "notes"),
    "campaigns": ("name",),
}
# Not stemmed, so that a half-typed word still prefixes the indexed one; prefix indexes make
# the two- and three-letter prefixes of autocomplete cheap.
FTS_OPTIONS = "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'"


def _upgrade_postgresql() -> None:
    try:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError as exc:
        raise RuntimeError(
            "Migration 0007 needs the pg_trgm extension and could not create it; install "
            "PostgreSQL's contrib package, or have a superuser run CREATE EXTENSION pg_trgm in "
            f"this database, then migrate again. The database said: {exc.orig}"
        ) from exc
    for table in SEARCH_TABLES:
        op.execute(f"CREATE INDEX ix_{table}_search_tsv ON {table} USING gin (({TSVECTOR[table]}))")
    for name, (table, column) in PG_TRIGRAM_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")
    for table in SEARCH_TABLES:
        op.execute(f"CREATE POLICY owner_search ON {table} FOR SELECT TO CURRENT_USER USING (true)")
    role = _app_role()
    for name in FUNCTIONS:
        op.execute(_function(name))
        op.execute(f"REVOKE ALL ON FUNCTION {_signature(name)} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {_signature(name)} TO {role}")


def _downgrade_postgresql() -> None:
    for name in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {_signature(name)}")
    for table in SEARCH_TABLES:
        op.execute(f"DROP POLICY IF EXISTS owner_search ON {table}")
    for name in PG_TRIGRAM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for table in SEARCH_TABLES:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_tsv")
    # Refused (and the downgrade with it) if something else came to depend on the extension.
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")


def _upgrade_sqlite() -> None:
    for table, columns in FTS_COLUMNS.items():
        fts = f"{table}_fts"
        names = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content = '{table}', "
            f"content_rowid = 'rowid', {FTS_OPTIONS})"
        )
        insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.rowid, {new});"
        delete = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.rowid, {old});"
        op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END")
        op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END")
        op.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} "
            f"BEGIN {delete} {insert} END"
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def _downgrade_sqlite() -> None:
    for table in FTS_COLUMNS:
        fts = f"{table}_fts"
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{event}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _upgrade_postgresql()
    elif dialect == "sqlite":
        _upgrade_sqlite()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _downgrade_postgresql()
    elif dialect == "sqlite":
        _downgrade_sqlite()
