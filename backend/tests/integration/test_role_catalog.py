"""The roles and permissions tables, written by migration 0010 and its successors, say what the
permission map in reos.core.security.rbac says. When this fails after a change to rbac.py,
write a new revision that stores the new map (see migration 0010)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from reos.core.db import Database
from reos.core.security.rbac import ROLE_DESCRIPTIONS, ROLE_PERMISSIONS, Permission
from reos.models import Permission as PermissionRow
from reos.models import Role
from reos.models.identity import role_permissions


def test_the_role_tables_match_the_permission_map(owner_engine: Engine) -> None:
    with owner_engine.connect() as connection:
        codes = set(connection.scalars(select(PermissionRow.code)))
        descriptions = dict(connection.execute(select(Role.name, Role.description)).all())
        grants = connection.execute(
            select(Role.name, PermissionRow.code)
            .join(role_permissions, role_permissions.c.role_id == Role.id)
            .join(PermissionRow, PermissionRow.id == role_permissions.c.permission_id)
        ).all()
    assert codes == {permission.value for permission in Permission}
    assert descriptions == ROLE_DESCRIPTIONS
    granted: dict[str, set[str]] = {name: set() for name in descriptions}
    for name, code in grants:
        granted[name].add(code)
    assert granted == {
        role: {permission.value for permission in permissions}
        for role, permissions in ROLE_PERMISSIONS.items()
    }


def test_the_app_role_reads_the_catalog_but_cannot_change_it(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: grants of the app role")
    with database.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM roles")) == len(ROLE_PERMISSIONS)
    for statement in (
        "INSERT INTO permissions (id, code, description) VALUES (gen_random_uuid(), 'x:y', 'x')",
        "UPDATE roles SET description = 'anything'",
        "DELETE FROM role_permissions",
    ):
        with pytest.raises(DBAPIError, match="permission denied"), database.engine.begin() as tx:
            tx.execute(text(statement))
