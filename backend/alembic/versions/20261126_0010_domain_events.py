"""domain events

The event log of `reos.events`: tenant-owned and under Row-Level Security like every tenant
table. The log is append-only for the app role: it may insert and read its organization's
events, never change or delete them. Retention deletes old events through
`reos_purge_events(cutoff)`, which runs as the owner and deletes only the calling
organization's (`app.org_id`) events older than the cutoff.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 09:00:00.000000
"""

import os
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CURRENT_ORG = "NULLIF(current_setting('app.org_id', true), '')::uuid"


def _app_role() -> str:
    role = os.environ.get("DB_APP_ROLE", "reos_app")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DB_APP_ROLE must be a plain identifier, got {role!r}")
    return role


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False),
            nullable=False,
        ),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=True),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_events_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index("ix_events_organization_id_id", ["organization_id", "id"])
        batch_op.create_index(
            "ix_events_organization_id_type_id", ["organization_id", "type", "id"]
        )
        batch_op.create_index(
            "ix_events_organization_id_occurred_at", ["organization_id", "occurred_at"]
        )

    if op.get_bind().dialect.name != "postgresql":
        return
    role = _app_role()
    op.execute("ALTER TABLE events ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE events FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON events "
        f"USING (organization_id = {CURRENT_ORG}) WITH CHECK (organization_id = {CURRENT_ORG})"
    )
    # The default privileges of migration 0002 grant every new table in full: take back what an
    # append-only log must not allow.
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON events FROM {role}")
    op.execute(f"GRANT SELECT, INSERT ON events TO {role}")
    op.execute(
        f"""
        CREATE FUNCTION reos_purge_events(p_cutoff timestamptz)
        RETURNS bigint
        LANGUAGE sql VOLATILE SECURITY DEFINER
        SET search_path = pg_catalog, public
        AS $$
          WITH purged AS (
            DELETE FROM public.events
            WHERE organization_id = {CURRENT_ORG} AND occurred_at < p_cutoff
            RETURNING 1
          )
          SELECT count(*) FROM purged
        $$
        """
    )
    # The function runs as the owner, whom FORCE binds to tenant_isolation too; the function's
    # own condition on app.org_id keeps it to the caller's organization.
    op.execute("REVOKE ALL ON FUNCTION reos_purge_events(timestamptz) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION reos_purge_events(timestamptz) TO {role}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS reos_purge_events(timestamptz)")
        op.execute("DROP POLICY IF EXISTS tenant_isolation ON events")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_organization_id_occurred_at")
        batch_op.drop_index("ix_events_organization_id_type_id")
        batch_op.drop_index("ix_events_organization_id_id")
        batch_op.drop_index(batch_op.f("ix_events_organization_id"))
    op.drop_table("events")
