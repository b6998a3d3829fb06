"""Role × route matrix: every route declares a permission, and each role gets a 403 exactly
where the permission map denies it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from reos.core.security.rbac import ROLE_PERMISSIONS, Permission
from tests.conftest import Account

# Routes anyone may call, and routes that need a signed-in user but no particular permission.
PUBLIC = {
    ("GET", "/api/v1/healthz"),
    ("GET", "/api/v1/readyz"),
    ("GET", "/api/v1/metrics"),
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("GET", "/api/v1/docs"),
    ("GET", "/api/v1/docs/init.js"),
    # The public read model of active listings.
    ("GET", "/api/v1/listings"),
    ("GET", "/api/v1/listings/{listing_id}"),
    # Provider callbacks: authenticated by their signature, not a token.
    ("POST", "/api/v1/outreach/webhooks/email"),
    ("POST", "/api/v1/outreach/webhooks/sms"),
}
SIGNED_IN = {("POST", "/api/v1/auth/logout"), ("GET", "/api/v1/auth/me")}


def declared_permissions(dependant: Dependant) -> Iterator[Permission]:
    for dependency in dependant.dependencies:
        permission = getattr(dependency.call, "permission", None)
        if permission is not None:
            yield permission
        yield from declared_permissions(dependency)


def api_routes(app: Any) -> list[tuple[str, str, APIRoute]]:
    """Every (method, full path, route) under /api/v1, included routers resolved."""
    routes = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = str(context.path or "")
        if isinstance(route, APIRoute) and path.startswith("/api/v1"):
            for method in sorted((context.methods or set()) - {"HEAD"}):
                routes.append((method, path, route))
    return routes


def test_the_matrix_sees_every_feature_router(app: Any) -> None:
    """The checks below are only as good as this list: it must never come back short."""
    paths = {path for _, path, _ in api_routes(app)}
    for prefix in (
        "/auth",
        "/users",
        "/storage",
        "/outreach",
        "/tasks",
        "/admin/dlq",
        "/properties",
        "/listings",
        "/leads",
    ):
        assert any(p.startswith(f"/api/v1{prefix}") for p in paths), prefix


def test_every_route_declares_a_permission_or_is_listed_as_public(app: Any) -> None:
    undeclared = [
        (method, path)
        for method, path, route in api_routes(app)
        if (method, path) not in PUBLIC | SIGNED_IN
        and not list(declared_permissions(route.dependant))
    ]
    assert undeclared == []


def test_signed_in_routes_refuse_anonymous_callers(client: TestClient, app: Any) -> None:
    for method, path, _ in api_routes(app):
        if (method, path) in PUBLIC:
            continue
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        response = client.request(method, url, json={})
        assert response.status_code == 401, (method, path)


@pytest.mark.parametrize("role", sorted(ROLE_PERMISSIONS))
def test_role_gets_403_exactly_where_the_map_denies(
    client: TestClient, app: Any, accounts: dict[str, Account], role: str
) -> None:
    account = accounts[role]
    mismatches = []
    for method, path, route in api_routes(app):
        needed = list(declared_permissions(route.dependant))
        if not needed:
            continue
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        status = client.request(method, url, headers=account.headers, json={}).status_code
        allowed = all(p in ROLE_PERMISSIONS[role] for p in needed)
        if (status == 403) == allowed:
            mismatches.append((method, path, status))
    assert mismatches == []


def test_viewer_permissions_are_read_only() -> None:
    assert all(p.value.endswith(":read") for p in ROLE_PERMISSIONS["viewer"])
    assert ROLE_PERMISSIONS["admin"] == frozenset(Permission)
