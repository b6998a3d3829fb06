"""Use cases of organization members."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reos import events
from reos.api.principals import note_auth_change
from reos.auth import service as auth_service
from reos.core.errors import Conflict, FieldProblem, Forbidden, NotFound
from reos.core.pagination import PageParams, paginate
from reos.core.security.passwords import hash_password
from reos.events.catalog import UserCreated, UserDeleted, UserUpdated
from reos.models import AuthSession, User


def list_users(session: Session, *, page: PageParams) -> tuple[list[User], int]:
    """One page of the organization's members, oldest first."""
    return paginate(session, select(User).order_by(User.created_at, User.id), page)


def get_user(session: Session, *, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found.")
    return user


def add_member(
    session: Session,
    *,
    actor_user_id: uuid.UUID,
    email: str,
    full_name: str,
    role: str,
    password: str,
) -> User:
    """Add a member to the actor's organization."""
    email = email.lower()
    auth_service.ensure_email_free(session, email=email)
    user = User(
        email=email,
        full_name=full_name,
        role=role,
        status="active",
        password_hash=hash_password(password),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        raise auth_service.email_taken() from exc
    events.record(session, UserCreated(user_id=user.id, role=role, actor_user_id=actor_user_id))
    return user


def _active_admins(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == "admin", User.status == "active")
        )
        or 0
    )


def _revoke_sessions(session: Session, user_id: uuid.UUID, reason: str) -> None:
    # A bulk UPDATE passes the ORM's change tracking by: say so to the principal cache.
    note_auth_change(session, user_id)
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC), revoke_reason=reason)
    )


def update_user(
    session: Session,
    *,
    actor_user_id: uuid.UUID,
    actor_is_admin: bool,
    user_id: uuid.UUID,
    full_name: str | None = None,
    password: str | None = None,
    role: str | None = None,
    status: str | None = None,
) -> User:
    """Apply the changes the actor is allowed to make."""
    user = get_user(session, user_id=user_id)
    if not actor_is_admin:
        if user.id != actor_user_id:
            raise Forbidden("You may only update your own profile.")
        refused = [name for name, value in (("role", role), ("status", status)) if value]
        if refused:
            raise Forbidden(
                "Only admins change roles and status.",
                errors=[
                    FieldProblem(f"body.{name}", "admins only", "forbidden") for name in refused
                ],
            )
    demotes_admin = user.role == "admin" and (
        (role is not None and role != "admin") or (status is not None and status != "active")
    )
    if demotes_admin and user.status == "active" and _active_admins(session) <= 1:
        raise Conflict("An organization keeps at least one active admin.")
    changes: dict[str, str] = {}
    if full_name is not None and full_name != user.full_name:
        user.full_name, changes["full_name"] = full_name, full_name
    if role is not None and role != user.role:
        user.role, changes["role"] = role, role
    if status is not None and status != user.status:
        user.status, changes["status"] = status, status
        if status != "active":
            _revoke_sessions(session, user.id, "disabled")
    if password is not None:
        user.password_hash = hash_password(password)
        changes["password"] = "changed"
    session.flush()
    if changes:
        updated = UserUpdated(
            user_id=user.id,
            fields=sorted(changes),
            role=changes.get("role"),
            status=changes.get("status"),
            actor_user_id=actor_user_id,
        )
        events.record(session, updated)
    return user


def remove_user(session: Session, *, actor_user_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Soft-delete a member and end their sessions."""
    user = get_user(session, user_id=user_id)
    if user.role == "admin" and user.status == "active" and _active_admins(session) <= 1:
        raise Conflict("An organization keeps at least one active admin.")
    user.deleted_at = datetime.now(UTC)
    _revoke_sessions(session, user.id, "user_deleted")
    session.flush()
    events.record(session, UserDeleted(user_id=user.id, actor_user_id=actor_user_id))
