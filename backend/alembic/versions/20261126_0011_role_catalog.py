"""role catalog

The `roles`, `permissions` and `role_permissions` tables mirror the permission map in
`reos.core.security.rbac`, which stays the one source of truth (authorization reads the code,
never these rows). They are written here, not by the seed: every database gets the same
catalog, and the app role loses its write access to it, so nothing at run time can make the
rows disagree with the code.

Frozen: the map's values as they are at this revision are written out below, because a
migration must do the same thing forever. When rbac.py changes, a new revision writes the new
map; tests/integration/test_role_catalog.py fails until one does.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 09:00:00
"""

import os
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READ = (
    "analytics:read",
    "campaigns:read",
    "compliance:read",
    "deals:read",
    "events:read",
    "leads:read",
    "portfolio:read",
    "properties:read",
    "storage:read",
    "tasks:read",
    "users:read",
)
CRM_WRITE = ("deals:write", "leads:write", "properties:write", "storage:write", "tasks:write")
ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "admin": (
        "Everything, including users, webhooks, the DLQ and the audit log",
        (
            *READ,
            *CRM_WRITE,
            "admin:access",
            "campaigns:write",
            "compliance:write",
            "outreach:send",
            "portfolio:write",
            "profile:update",
            "users:manage",
            "webhooks:manage",
        ),
    ),
    "sales": (
        "CRM, campaigns, outreach, compliance and portfolios",
        (
            *READ,
            *CRM_WRITE,
            "campaigns:write",
            "compliance:write",
            "outreach:send",
            "portfolio:write",
            "profile:update",
        ),
    ),
    "agent": (
        "Properties, leads, deals and one-to-one outreach",
        (*READ, *CRM_WRITE, "outreach:send", "profile:update"),
    ),
    "viewer": ("Read-only access", READ),
}
CATALOG = ("roles", "permissions", "role_permissions")
# Ids derived from the names, so every database has the same ones.
NAMESPACE = uuid.UUID("5d0c6a52-8f3e-4f6b-9a57-0b1c2d3e4f10")

roles = sa.table(
    "roles",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("description", sa.Text()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
permissions = sa.table(
    "permissions",
    sa.column("id", sa.Uuid()),
    sa.column("code", sa.String()),
    sa.column("description", sa.Text()),
)
role_permissions = sa.table(
    "role_permissions", sa.column("role_id", sa.Uuid()), sa.column("permission_id", sa.Uuid())
)


def _app_role() -> str:
    role = os.environ.get("DB_APP_ROLE", "reos_app")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DB_APP_ROLE must be a plain identifier, got {role!r}")
    return role


def _write_catalog(bind: sa.Connection) -> None:
    """Make the three tables hold exactly ROLES, keeping the ids of rows already there (the
    seed used to write them)."""
    codes = sorted({code for _, granted in ROLES.values() for code in granted})
    permission_ids = dict(bind.execute(sa.select(permissions.c.code, permissions.c.id)).all())
    for code in codes:
        description = code.replace(":", " ")
        if code in permission_ids:
            bind.execute(
                permissions.update()
                .where(permissions.c.code == code)
                .values(description=description)
            )
        else:
            permission_ids[code] = uuid.uuid5(NAMESPACE, f"permission:{code}")
            bind.execute(
                permissions.insert().values(
                    id=permission_ids[code], code=code, description=description
                )
            )
    bind.execute(permissions.delete().where(permissions.c.code.not_in(codes)))

    now = datetime.now(UTC)
    role_ids = dict(bind.execute(sa.select(roles.c.name, roles.c.id)).all())
    for name, (description, _) in ROLES.items():
        if name in role_ids:
            bind.execute(
                roles.update()
                .where(roles.c.name == name)
                .values(description=description, updated_at=now)
            )
        else:
            role_ids[name] = uuid.uuid5(NAMESPACE, f"role:{name}")
            bind.execute(
                roles.insert().values(
                    id=role_ids[name],
                    name=name,
                    description=description,
                    created_at=now,
                    updated_at=now,
                )
            )
    bind.execute(role_permissions.delete())
    bind.execute(
        role_permissions.insert(),
        [
            {"role_id": role_ids[name], "permission_id": permission_ids[code]}
            for name, (_, granted) in ROLES.items()
            for code in sorted(set(granted))
        ],
    )


def upgrade() -> None:
    bind = op.get_bind()
    _write_catalog(bind)
    if bind.dialect.name == "postgresql":
        # Not tenant tables (no RLS): any organization's session reads them, none writes them.
        role = _app_role()
        for table in CATALOG:
            op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {table} FROM {role}")


def downgrade() -> None:
    # The rows stay: before this revision the seed wrote the same catalog.
    if op.get_bind().dialect.name == "postgresql":
        role = _app_role()
        for table in CATALOG:
            op.execute(f"GRANT INSERT, UPDATE, DELETE ON {table} TO {role}")
