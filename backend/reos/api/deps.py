"""FastAPI dependencies: the request's session, the authenticated principal and permissions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from providers.factory import ProviderSet
from reos.core.db import bind_tenant
from reos.core.errors import Forbidden, Unauthorized
from reos.core.http.unit_of_work import unit_of_work
from reos.core.security.rbac import Permission, has_permission
from reos.core.security.tokens import InvalidToken, TokenService
from reos.models import AuthSession, User

bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/v1/auth/login")


def get_session(request: Request) -> Session:
    return unit_of_work(request.scope).session


def get_tokens(request: Request) -> TokenService:
    tokens: TokenService = request.app.state.tokens
    return tokens


def get_providers(request: Request) -> ProviderSet:
    providers: ProviderSet = request.app.state.providers
    return providers


SessionDep = Annotated[Session, Depends(get_session)]
TokensDep = Annotated[TokenService, Depends(get_tokens)]
ProvidersDep = Annotated[ProviderSet, Depends(get_providers)]


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    organization_id: uuid.UUID
    session_id: uuid.UUID
    role: str
    email: str
    token_expires_at: datetime

    def can(self, permission: Permission) -> bool:
        return has_permission(self.role, permission)


def current_principal(
    session: SessionDep,
    tokens: TokensDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """Verify the bearer token and bind the session to the caller's organization.

    The role is read from the database, not the token, so a demotion or a logout takes
    effect on the next request.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer access token is required.")
    try:
        claims = tokens.verify(credentials.credentials, expected_type="access")
    except InvalidToken as exc:
        raise Unauthorized("The access token is invalid or expired.") from exc
    bind_tenant(session, claims.organization_id)
    row = session.execute(
        select(User, AuthSession)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(User.id == claims.subject, AuthSession.id == claims.session_id)
    ).first()
    if row is None:
        raise Unauthorized("The session has ended.")
    user, auth_session = row
    if auth_session.revoked_at is not None or user.status != "active":
        raise Unauthorized("The session has ended.")
    if _aware(auth_session.expires_at) <= datetime.now(UTC):
        raise Unauthorized("The session has expired.")
    return Principal(
        user_id=user.id,
        organization_id=user.organization_id,
        session_id=auth_session.id,
        role=user.role,
        email=user.email,
        token_expires_at=claims.expires_at,
    )


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency that lets the request through only if the caller's role grants `permission`."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.can(permission):
            raise Forbidden(f"Your role ({principal.role}) lacks the '{permission}' permission.")
        return principal

    check.__name__ = f"require_{permission.value.replace(':', '_')}"
    # Read by the role × route test to prove every route declares a permission.
    check.permission = permission  # type: ignore[attr-defined]
    return check
