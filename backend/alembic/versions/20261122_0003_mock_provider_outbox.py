"""mock provider outbox

The outbox of the mock email and SMS providers, tenant-owned and under Row-Level Security like
every tenant table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 18:02:56.781772
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("provider_message_id", sa.String(length=120), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("cost", sa.Numeric(precision=10, scale=4), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('email', 'sms')", name=op.f("ck_outbox_messages_known_channel")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_outbox_messages_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint(
            "provider_message_id", name=op.f("uq_outbox_messages_provider_message_id")
        ),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_messages_organization_id_created_at",
            ["organization_id", "created_at"],
            unique=False,
        )

    if op.get_bind().dialect.name == "postgresql":
        current_org = "NULLIF(current_setting('app.org_id', true), '')::uuid"
        op.execute("ALTER TABLE outbox_messages ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE outbox_messages FORCE ROW LEVEL SECURITY")
        op.execute(
            "CREATE POLICY tenant_isolation ON outbox_messages "
            f"USING (organization_id = {current_org}) WITH CHECK (organization_id = {current_org})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS tenant_isolation ON outbox_messages")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_organization_id_created_at")
        batch_op.drop_index(batch_op.f("ix_outbox_messages_organization_id"))

    op.drop_table("outbox_messages")
