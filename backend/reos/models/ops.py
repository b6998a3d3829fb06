"""Operational records: idempotency keys, webhook delivery logs and the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
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


TASK_STATUSES = ("pending", "running", "succeeded", "failed", "dead_lettered", "cancelled")
TASK_QUEUES = ("high_priority", "default", "low_priority")


class TaskRun(IdMixin, TenantScoped, Base):
    """One background task as the organization sees it: the source of truth for its state.

    The broker only carries the run's id; a message lost with a killed worker or an embedded
    broker is re-sent from here, and a duplicate message finds the run already claimed.
    """

    __tablename__ = "task_runs"
    __table_args__ = (
        CheckConstraint(f"status IN {TASK_STATUSES!r}", name="known_status"),
        CheckConstraint(f"queue IN {TASK_QUEUES!r}", name="known_queue"),
        Index("ix_task_runs_organization_id_created_at", "organization_id", "created_at"),
        Index("ix_task_runs_status_heartbeat_at", "status", "heartbeat_at"),
    )

    task_type: Mapped[str] = mapped_column(String(80))
    queue: Mapped[str] = mapped_column(String(20), default="default")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    max_retries: Mapped[int] = mapped_column(default=3)
    progress_processed: Mapped[int | None] = mapped_column(default=None)
    progress_total: Mapped[int | None] = mapped_column(default=None)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    # One entry per failed attempt: {attempt, at, error, retry_in}, so the back-off shows.
    failures: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # A retry or replay is a new run of the same logical task: effects are keyed by the root.
    root_id: Mapped[uuid.UUID] = mapped_column(index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("task_runs.id", ondelete="SET NULL"), default=None
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class DeadLetter(IdMixin, TenantScoped, Base):
    """A task that exhausted its retries or failed permanently, kept for inspection and replay."""

    __tablename__ = "dead_letters"
    __table_args__ = (
        Index("ix_dead_letters_organization_id_created_at", "organization_id", "created_at"),
    )

    task_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("task_runs.id", ondelete="CASCADE"), unique=True
    )
    task_type: Mapped[str] = mapped_column(String(80))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text)
    traceback: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int]
    permanent: Mapped[bool] = mapped_column(default=False)
    first_failed_at: Mapped[datetime]
    last_failed_at: Mapped[datetime]
    replayed_at: Mapped[datetime | None] = mapped_column(default=None)
    replayed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    replay_task_run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("task_runs.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskEffect(IdMixin, TenantScoped, Base):
    """An outside effect (a message sent, a webhook delivered) that has happened, recorded in
    the same transaction as its result; a task checks here before acting again."""

    __tablename__ = "task_effects"
    __table_args__ = (UniqueConstraint("organization_id", "effect_key"),)

    effect_key: Mapped[str] = mapped_column(String(200))
    task_run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("task_runs.id", ondelete="SET NULL"), default=None
    )
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
