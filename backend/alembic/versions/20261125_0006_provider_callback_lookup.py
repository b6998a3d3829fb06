"""provider callback lookup

Provider callbacks (bounces, complaints, STOP replies) arrive unauthenticated, so the receiver
runs bound to no organization and Row-Level Security hides every message. The vendor names the
message by its id (or, for an inbound SMS, by the number that wrote back);
`reos_message_organization()` answers with the organization that sent it, and nothing else.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 19:30:00
"""

import os
import re
from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("outbox_messages", "outreach_attempts")


def _app_role() -> str:
    role = os.environ.get("DB_APP_ROLE", "reos_app")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DB_APP_ROLE must be a plain identifier, got {role!r}")
    return role


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Messages matched by id first; an inbound reply (no id of ours) by the latest message
    # sent to the number it came from.
    op.execute(
        """
        CREATE FUNCTION reos_message_organization(p_message_id text, p_sender text)
        RETURNS uuid
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, public
        AS $$
          SELECT organization_id FROM (
            SELECT organization_id, 1 AS rank, created_at FROM public.outreach_attempts
              WHERE provider_message_id = p_message_id
            UNION ALL
            SELECT organization_id, 1, created_at FROM public.outbox_messages
              WHERE provider_message_id = p_message_id
            UNION ALL
            SELECT organization_id, 2, created_at FROM public.outreach_attempts
              WHERE p_sender IS NOT NULL AND recipient = p_sender
            UNION ALL
            SELECT organization_id, 2, created_at FROM public.outbox_messages
              WHERE p_sender IS NOT NULL AND recipient = p_sender
          ) AS found
          ORDER BY rank, created_at DESC
          LIMIT 1
        $$
        """
    )
    # As for the other look-ups: the function runs as the owner, whom FORCE binds too.
    for table in TABLES:
        op.execute(
            f"CREATE POLICY owner_match_message ON {table} FOR SELECT TO CURRENT_USER USING (true)"
        )
    op.execute("REVOKE ALL ON FUNCTION reos_message_organization(text, text) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION reos_message_organization(text, text) TO {_app_role()}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS reos_message_organization(text, text)")
    for table in TABLES:
        op.execute(f"DROP POLICY IF EXISTS owner_match_message ON {table}")
