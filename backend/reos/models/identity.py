"""Organizations, users, teams, roles, permissions and login sessions."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reos.core.db import Base, IdMixin, SoftDeleteMixin, TenantScoped, TimestampMixin

ROLE_NAMES = ("admin", "sales", "agent", "viewer")
USER_STATUSES = ("active", "disabled")


class Organization(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    plan: Mapped[str] = mapped_column(String(40), default="demo")


class Team(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)


role_permissions = Table(
    "role_permissions",
    Base.metadata,
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    Column("permission_id", ForeignKey("permissions.id", ondelete="CASCADE"), primary_key=True),
)


class Role(IdMixin, TimestampMixin, Base):
    """A role of the fixed set; the permission map in `reos.core.security.rbac` is the truth and
    these rows mirror it so that roles and grants can be listed and audited."""

    __tablename__ = "roles"
    __table_args__ = (CheckConstraint(f"name IN {ROLE_NAMES!r}", name="known_role"),)

    name: Mapped[str] = mapped_column(String(20), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    permissions: Mapped[list[Permission]] = relationship(secondary=role_permissions, lazy="raise")


class Permission(IdMixin, Base):
    __tablename__ = "permissions"

    code: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")


class User(IdMixin, TimestampMixin, SoftDeleteMixin, TenantScoped, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLE_NAMES!r}", name="known_role"),
        CheckConstraint(f"status IN {USER_STATUSES!r}", name="known_status"),
    )

    # Globally unique (stored lower-case): an email identifies one account at login.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="viewer")
    status: Mapped[str] = mapped_column(String(20), default="active")
    team_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    failed_login_count: Mapped[int] = mapped_column(default=0)
    lockout_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)


class AuthSession(IdMixin, TimestampMixin, TenantScoped, Base):
    """One login: the family of refresh tokens issued from it. Revoking it ends the family and
    every access token that names it."""

    __tablename__ = "auth_sessions"
    __table_args__ = (Index("ix_auth_sessions_user_id_revoked_at", "user_id", "revoked_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    current_refresh_jti: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoke_reason: Mapped[str | None] = mapped_column(String(40))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    ip_address: Mapped[str | None] = mapped_column(String(64))
