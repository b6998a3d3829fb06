"""Use cases of authentication: register, login, refresh, logout."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reos.audit import service as audit
from reos.auth.lockout import register_failure, seconds_locked
from reos.core.db import bind_tenant, commit_despite_error
from reos.core.errors import Conflict, FieldProblem, TooManyRequests, Unauthorized
from reos.core.login_failures import FailureCounter, FailureState
from reos.core.security.passwords import hash_password, verify_password
from reos.core.security.tokens import InvalidToken, TokenService
from reos.models import AuthSession, Organization, User

INVALID_CREDENTIALS = "Invalid email or password."


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


def identify(session: Session, *, email: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """Which account (user id, organization id) an email belongs to, across organizations.

    On PostgreSQL this goes through the SECURITY DEFINER function the migrations install,
    because Row-Level Security hides every user until the organization is known.
    """
    email = email.lower()
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(
            text("SELECT user_id, organization_id FROM reos_identify_user(:email)"),
            {"email": email},
        ).first()
    else:
        row = session.execute(
            select(User.id, User.organization_id).where(User.email == email),
            execution_options={"all_tenants": True},
        ).first()
    return (row[0], row[1]) if row else None


def email_taken() -> Conflict:
    return Conflict(
        "An account with this email already exists.",
        errors=[FieldProblem("body.email", "already registered", "duplicate")],
    )


def ensure_email_free(session: Session, *, email: str) -> None:
    """Refuse an email that any organization already uses (emails identify logins)."""
    if identify(session, email=email) is not None:
        raise email_taken()


def _slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:180] or "org"
    return f"{base}-{uuid.uuid4().hex[:8]}"


def register(
    session: Session, *, email: str, password: str, full_name: str, organization_name: str
) -> User:
    """Create an organization with the registrant as its admin."""
    email = email.lower()
    ensure_email_free(session, email=email)
    organization = Organization(
        id=uuid.uuid4(), name=organization_name, slug=_slug(organization_name)
    )
    bind_tenant(session, organization.id)
    session.add(organization)
    session.flush()
    user = User(
        email=email,
        full_name=full_name,
        password_hash=hash_password(password),
        role="admin",
        status="active",
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent registration of the same email won
        raise email_taken() from exc
    audit.record(
        session,
        action="organization.registered",
        entity_type="user",
        entity_id=user.id,
        actor_user_id=user.id,
        changes={"organization": organization_name},
    )
    return user


def _issue_pair(tokens: TokenService, user: User, auth_session: AuthSession) -> TokenPair:
    access, _ = tokens.issue(
        token_type="access",
        user_id=user.id,
        organization_id=user.organization_id,
        session_id=auth_session.id,
    )
    refresh, _ = tokens.issue(
        token_type="refresh",
        user_id=user.id,
        organization_id=user.organization_id,
        session_id=auth_session.id,
        token_id=auth_session.current_refresh_jti,
    )
    return TokenPair(access, refresh, int(tokens.access_ttl.total_seconds()))


def _refuse_locked(seconds: int) -> TooManyRequests:
    return TooManyRequests(
        f"Too many failed logins; try again in {seconds} seconds.", retry_after=seconds
    )


def login(
    session: Session,
    *,
    tokens: TokenService,
    unknown_failures: FailureCounter,
    max_failures: int,
    email: str,
    password: str,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> TokenPair:
    """Check the credentials and open a session; repeated failures lock the account."""
    email = email.lower()
    now = datetime.now(UTC)
    found = identify(session, email=email)
    if found is None:
        # Same work, status and body as a wrong password, and the same lockout.
        verify_password(password, None)
        state = unknown_failures.get(email)
        if seconds_locked(state):
            raise _refuse_locked(seconds_locked(state))
        state = register_failure(state, max_failures, now.timestamp())
        unknown_failures.put(email, state)
        if seconds_locked(state):
            raise _refuse_locked(seconds_locked(state))
        raise Unauthorized(INVALID_CREDENTIALS)

    user_id, organization_id = found
    bind_tenant(session, organization_id)
    user = session.scalars(select(User).where(User.id == user_id).with_for_update()).one()
    locked_until = user.locked_until
    if locked_until is not None:
        locked_until = locked_until if locked_until.tzinfo else locked_until.replace(tzinfo=UTC)
        if locked_until > now:
            raise _refuse_locked(max(1, int((locked_until - now).total_seconds() + 0.999)))

    if not verify_password(password, user.password_hash) or user.status != "active":
        state = register_failure(
            FailureState(user.failed_login_count, user.lockout_count),
            max_failures,
            now.timestamp(),
        )
        user.failed_login_count = state.failures
        user.lockout_count = state.lockouts
        if state.locked_until:
            user.locked_until = datetime.fromtimestamp(state.locked_until, UTC)
        commit_despite_error(session)  # the counter must survive the refusal
        if seconds_locked(state):
            audit.record(
                session,
                action="user.locked_out",
                entity_type="user",
                entity_id=user.id,
                actor_user_id=None,
                changes={"lockouts": state.lockouts},
            )
            raise _refuse_locked(seconds_locked(state))
        raise Unauthorized(INVALID_CREDENTIALS)

    user.failed_login_count = 0
    user.lockout_count = 0
    user.locked_until = None
    user.last_login_at = now
    auth_session = AuthSession(
        id=uuid.uuid4(),
        user_id=user.id,
        current_refresh_jti=uuid.uuid4().hex,
        expires_at=now + tokens.refresh_ttl,
        ip_address=ip_address,
        user_agent=(user_agent or "")[:400] or None,
    )
    session.add(auth_session)
    session.flush()
    return _issue_pair(tokens, user, auth_session)


def refresh(session: Session, *, tokens: TokenService, refresh_token: str) -> TokenPair:
    """Rotate a refresh token; presenting an already-rotated one revokes the whole family."""
    try:
        claims = tokens.verify(refresh_token, expected_type="refresh")
    except InvalidToken as exc:
        raise Unauthorized("The refresh token is invalid or expired.") from exc
    bind_tenant(session, claims.organization_id)
    auth_session = session.scalars(
        select(AuthSession).where(AuthSession.id == claims.session_id).with_for_update()
    ).first()
    if auth_session is None or auth_session.revoked_at is not None:
        raise Unauthorized("The session has ended.")
    if auth_session.current_refresh_jti != claims.token_id:
        auth_session.revoked_at = datetime.now(UTC)
        auth_session.revoke_reason = "refresh_token_reuse"
        audit.record(
            session,
            action="session.reuse_detected",
            entity_type="auth_session",
            entity_id=auth_session.id,
            actor_user_id=auth_session.user_id,
        )
        commit_despite_error(session)
        raise Unauthorized("This refresh token was already used; the session is revoked.")
    user = session.get(User, auth_session.user_id)
    if user is None or user.status != "active":
        raise Unauthorized("The session has ended.")
    auth_session.current_refresh_jti = uuid.uuid4().hex
    session.flush()
    return _issue_pair(tokens, user, auth_session)


def logout(session: Session, *, session_id: uuid.UUID) -> None:
    """End the session: its access and refresh tokens stop working at once."""
    auth_session = session.get(AuthSession, session_id)
    if auth_session is not None and auth_session.revoked_at is None:
        auth_session.revoked_at = datetime.now(UTC)
        auth_session.revoke_reason = "logout"
        session.flush()


def get_user(session: Session, *, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise Unauthorized("The session has ended.")
    return user
