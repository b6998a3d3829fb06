"""Operational records: idempotency keys, webhook delivery logs and the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reos.core.db import Base, IdMixin, TenantScoped, utcnow


class IdempotencyKey(IdMixin, TenantScoped, Base):
    """A claimed `Idempotency-Key` and, once the request completed, its stored response."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("organization_id", "user_id", "method", "path", "key"),
        Index("ix_idempotency_keys_expires_at", "expires_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(default=None)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime]


class AuditLog(IdMixin, TenantScoped, Base):
    __tablename__ = "audit_logs"
    __table_args__ = (
        Index("ix_audit_logs_organization_id_created_at", "organization_id", "created_at"),
    )

    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(80))
    entity_type: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    request_id: Mapped[str | None] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookLog(IdMixin, TenantScoped, Base):
    """One outbound webhook delivery attempt."""

    __tablename__ = "webhook_logs"
    __table_args__ = (
        Index("ix_webhook_logs_organization_id_created_at", "organization_id", "created_at"),
    )

    subscription_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    event_type: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(String(2000))
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    request_body: Mapped[str] = mapped_column(Text)
    response_status: Mapped[int | None] = mapped_column(default=None)
    response_body: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[int | None] = mapped_column(default=None)
    attempt: Mapped[int] = mapped_column(default=1)
    succeeded: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DataProviderCall(IdMixin, Base):
    """One paid (or free) property-data call: the ledger the monthly budget reads. Deployment
    wide, because the budget is the deployment's, whichever organization asked."""

    __tablename__ = "data_provider_calls"
    __table_args__ = (Index("ix_data_provider_calls_called_at", "called_at"),)

    provider: Mapped[str] = mapped_column(String(40))
    operation: Mapped[str] = mapped_column(String(40))
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(10, 4))
    called_at: Mapped[datetime] = mapped_column(default=utcnow)
