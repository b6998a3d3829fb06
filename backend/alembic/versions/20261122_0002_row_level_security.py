"""row level security

The application role, its grants, Row-Level Security on every tenant table, and the one
function that may look across organizations (to find which one an email belongs to at login).
PostgreSQL only; a no-op on SQLite.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 17:20:00
"""

import os
import re
from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: a later tenant table gets its policy in its own migration (a test
# checks that every table with organization_id has RLS enabled and forced).
TENANT_TABLES = (
    "audit_logs",
    "auth_sessions",
    "campaign_targets",
    "campaigns",
    "contacts",
    "deal_stages",
    "deals",
    "deliverability_events",
    "email_templates",
    "idempotency_keys",
    "lead_activities",
    "lead_notes",
    "lead_scores",
    "lead_sources",
    "leads",
    "listing_snapshots",
    "listings",
    "outreach_attempts",
    "portfolio_holdings",
    "portfolios",
    "properties",
    "property_documents",
    "property_history",
    "property_images",
    "property_metrics",
    "property_valuations",
    "reconciliations",
    "sms_templates",
    "teams",
    "transactions",
    "unsubscribe_list",
    "users",
    "webhook_logs",
)
CURRENT_ORG = "NULLIF(current_setting('app.org_id', true), '')::uuid"


def _app_role() -> str:
    role = os.environ.get("DB_APP_ROLE", "reos_app")
    # Interpolated unquoted into DDL, so only a plain lower-case identifier is accepted.
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DB_APP_ROLE must be a plain identifier, got {role!r}")
    return role


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _is_postgres():
        return
    role = _app_role()
    owner = op.get_bind().exec_driver_sql("SELECT current_user").scalar()
    if owner == role:
        # The owner can switch RLS off: it must never be the role the application logs in as.
        raise RuntimeError(f"migrations must run as the table owner, not as {role!r}")
    op.execute(
        f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB;
          END IF;
        END $$;
        """
    )
    password = os.environ.get("DB_APP_PASSWORD", "")
    if password:
        quoted = password.replace("'", "''")
        # Sent as is (no bind-parameter parsing), so ':' or '%' in the password stay literal.
        op.get_bind().exec_driver_sql(f"ALTER ROLE {role} PASSWORD '{quoted}'")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}"
    )

    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING (organization_id = {CURRENT_ORG}) WITH CHECK (organization_id = {CURRENT_ORG})"
        )
    op.execute("ALTER TABLE organizations ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE organizations FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON organizations "
        f"USING (id = {CURRENT_ORG}) WITH CHECK (id = {CURRENT_ORG})"
    )

    op.execute(
        """
        CREATE FUNCTION reos_identify_user(p_email text)
        RETURNS TABLE(user_id uuid, organization_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, public
        AS $$
          SELECT u.id, u.organization_id FROM public.users AS u
          WHERE u.email = lower(p_email) AND u.deleted_at IS NULL
        $$
        """
    )
    # FORCE makes the policies bind the owner too, and the function runs as the owner: without
    # this policy it would find no one whenever the owner is not a superuser. The owner could
    # switch RLS off anyway, so letting it read users grants nothing new; the app role is
    # not named here, so it stays bound by tenant_isolation.
    op.execute("CREATE POLICY owner_identify_user ON users FOR SELECT TO CURRENT_USER USING (true)")
    op.execute("REVOKE ALL ON FUNCTION reos_identify_user(text) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION reos_identify_user(text) TO {role}")


def downgrade() -> None:
    if not _is_postgres():
        return
    role = _app_role()
    op.execute("DROP FUNCTION IF EXISTS reos_identify_user(text)")
    op.execute("DROP POLICY IF EXISTS owner_identify_user ON users")
    for table in (*TENANT_TABLES, "organizations"):
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {role}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM {role}"
    )
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {role}")
    # The role itself stays: roles are cluster-wide and may serve other databases.
