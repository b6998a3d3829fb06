"""public listings view

The public, unauthenticated listing read model. Its session is bound to no organization, so
Row-Level Security hides every tenant row from it; rather than open the tables to such sessions,
the `public_listings` view exposes exactly the public columns of active listings of live
properties. On PostgreSQL the view runs with its owner's rights (security_barrier, so no
user-supplied predicate is evaluated before its own), and the app role may read the view and
nothing more of those rows. SQLite has no RLS; the same view keeps one query for both.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 20:00:00
"""

import os
import re
from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SELECT = """
    SELECT l.id AS id, l.asking_price AS asking_price, l.terms AS terms,
           l.public_remarks AS public_remarks, l.listed_at AS listed_at,
           p.address AS address, p.city AS city, p.state AS state, p.zip_code AS zip_code,
           p.property_type AS property_type, p.bedrooms AS bedrooms, p.bathrooms AS bathrooms,
           p.square_feet AS square_feet, p.year_built AS year_built,
           p.latitude AS latitude, p.longitude AS longitude
    FROM listings AS l
    JOIN properties AS p ON p.id = l.property_id AND p.organization_id = l.organization_id
    WHERE l.status = 'active' AND p.deleted_at IS NULL AND p.status <> 'archived'
"""
TABLES = ("listings", "properties")


def _app_role() -> str:
    role = os.environ.get("DB_APP_ROLE", "reos_app")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DB_APP_ROLE must be a plain identifier, got {role!r}")
    return role


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute(f"CREATE VIEW public_listings AS {SELECT}")
        return
    op.execute(f"CREATE VIEW public_listings WITH (security_barrier) AS {SELECT}")
    # The view reads as its owner, whom FORCE binds to tenant_isolation too.
    for table in TABLES:
        op.execute(
            f"CREATE POLICY owner_public_listings ON {table} FOR SELECT TO CURRENT_USER "
            "USING (true)"
        )
    op.execute("REVOKE ALL ON public_listings FROM PUBLIC")
    op.execute(f"GRANT SELECT ON public_listings TO {_app_role()}")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS public_listings")
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP POLICY IF EXISTS owner_public_listings ON {table}")
