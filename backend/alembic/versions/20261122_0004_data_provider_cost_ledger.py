"""data provider cost ledger

The deployment-wide ledger of property-data calls that the monthly budget reads, so the budget
holds across API and worker processes and restarts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 18:12:22.407866
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_provider_calls",
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("operation", sa.String(length=40), nullable=False),
        sa.Column("cost_usd", sa.Numeric(precision=10, scale=4), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_provider_calls")),
    )
    with op.batch_alter_table("data_provider_calls", schema=None) as batch_op:
        batch_op.create_index("ix_data_provider_calls_called_at", ["called_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("data_provider_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_data_provider_calls_called_at")

    op.drop_table("data_provider_calls")
