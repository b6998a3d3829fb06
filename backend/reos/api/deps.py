"""FastAPI dependencies: the request's session, the authenticated principal and permissions."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from providers.factory import ProviderSet
from reos.api.principals import PRINCIPALS, SessionFacts
from reos.container import ApiContainer
from reos.core.db import bind_tenant
from reos.core.errors import Forbidden, Unauthorized
from reos.core.http.unit_of_work import unit_of_work
from reos.core.security.rbac import Permission, has_permission
from reos.core.security.tokens import InvalidToken, TokenClaims, TokenService
from reos.core.time import as_utc, utcnow
from reos.jobs import JobCatalog
from reos.models import AuthSession, User

bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/v1/auth/login")


def container_of(request: Request) -> ApiContainer:
    """The app's services (built once by `reos.composition`): the one read of app state."""
    container: ApiContainer = request.app.state.container
    return container


async def get_container(request: Request) -> ApiContainer:
    return container_of(request)


async def get_session(request: Request) -> Session:
    return unit_of_work(request.scope).session


async def get_tokens(request: Request) -> TokenService:
    return container_of(request).tokens


async def get_providers(request: Request) -> ProviderSet:
    return container_of(request).providers


async def get_jobs(request: Request) -> JobCatalog:
    return container_of(request).jobs


ContainerDep = Annotated[ApiContainer, Depends(get_container)]
SessionDep = Annotated[Session, Depends(get_session)]
JobsDep = Annotated[JobCatalog, Depends(get_jobs)]
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


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """Verify the bearer token and bind the session to the caller's organization.

    The role is read from the database (through the short-lived principal cache, which every
    change to a user's role, status or sessions retires), not from the token, so a demotion
    or a logout takes effect on the next request. Async, so that a cached answer costs no
    thread-pool hop; the database read runs in the pool.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer access token is required.")
    tokens = container_of(request).tokens  # not a dependency: one node less per request
    try:
        claims = tokens.verify(credentials.credentials, expected_type="access")
    except InvalidToken as exc:
        raise Unauthorized("The access token is invalid or expired.") from exc
    session = unit_of_work(request.scope).session
    facts = PRINCIPALS.get(claims.session_id)
    if facts is None or facts.user_id != claims.subject:
        generation = PRINCIPALS.generation(claims.subject)
        facts = await run_in_threadpool(_session_facts, session, claims)
        PRINCIPALS.put(facts, generation)
    elif session.in_transaction():  # not so far; binding would then run a statement
        await run_in_threadpool(bind_tenant, session, facts.organization_id)
    else:
        bind_tenant(session, facts.organization_id)
    if as_utc(facts.session_expires_at) <= utcnow():
        raise Unauthorized("The session has expired.")
    return Principal(
        user_id=facts.user_id,
        organization_id=facts.organization_id,
        session_id=facts.session_id,
        role=facts.role,
        email=facts.email,
        token_expires_at=claims.expires_at,
    )


def _session_facts(session: Session, claims: TokenClaims) -> SessionFacts:
    bind_tenant(session, claims.organization_id)
    row = session.execute(
        select(
            User.organization_id,
            User.role,
            User.email,
            User.status,
            AuthSession.revoked_at,
            AuthSession.expires_at,
        )
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(User.id == claims.subject, AuthSession.id == claims.session_id)
    ).first()
    if row is None or row.revoked_at is not None or row.status != "active":
        raise Unauthorized("The session has ended.")
    return SessionFacts(
        user_id=claims.subject,
        organization_id=row.organization_id,
        session_id=claims.session_id,
        role=row.role,
        email=row.email,
        session_expires_at=row.expires_at,
    )


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: Permission) -> Callable[[Principal], Coroutine[None, None, Principal]]:
    """A dependency that lets the request through only if the caller's role grants `permission`."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.can(permission):
            raise Forbidden(f"Your role ({principal.role}) lacks the '{permission}' permission.")
        return principal

    check.__name__ = f"require_{permission.value.replace(':', '_')}"
    # Read by the role × route test to prove every route declares a permission.
    check.permission = permission  # type: ignore[attr-defined]
    return check
