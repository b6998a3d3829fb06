"""Request and response bodies of the tasks API and the dead-letter queue."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from reos.api.schemas import StrictBody
from reos.jobs import JobSpec
from reos.models import DeadLetter, TaskRun
from reos.models.ops import TASK_STATUSES

TASK_STATUS_PATTERN = "^(" + "|".join(TASK_STATUSES) + ")$"
REDACTED = "[redacted]"


def redact(arguments: dict[str, Any]) -> dict[str, Any]:
    """Task arguments as shown to users: signing secrets stay in the database."""
    return {k: REDACTED if "secret" in k.lower() else v for k, v in arguments.items()}


class TaskIn(StrictBody):
    task_type: str = Field(max_length=80, examples=["webhook.deliver"])
    arguments: dict[str, Any] = Field(default_factory=dict)


class RetryIn(StrictBody):
    task_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)


class Progress(BaseModel):
    processed: int
    total: int | None


class TaskOut(BaseModel):
    id: uuid.UUID
    task_type: str
    queue: str
    status: str
    arguments: dict[str, Any]
    progress: Progress | None
    result: dict[str, Any] | None
    error: str | None
    attempts: int
    max_retries: int
    failures: list[dict[str, Any]]
    cancel_requested: bool
    root_id: uuid.UUID
    parent_id: uuid.UUID | None
    created_at: datetime
    started_at: datetime | None
    next_attempt_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, run: TaskRun) -> TaskOut:
        progress = (
            Progress(processed=run.progress_processed, total=run.progress_total)
            if run.progress_processed is not None
            else None
        )
        return cls(
            id=run.id,
            task_type=run.task_type,
            queue=run.queue,
            status=run.status,
            arguments=redact(run.arguments),
            progress=progress,
            result=run.result,
            error=run.error,
            attempts=run.attempts,
            max_retries=run.max_retries,
            failures=list(run.failures),
            cancel_requested=run.cancel_requested,
            root_id=run.root_id,
            parent_id=run.parent_id,
            created_at=run.created_at,
            started_at=run.started_at,
            next_attempt_at=run.next_attempt_at,
            finished_at=run.finished_at,
        )


class TaskTypeOut(BaseModel):
    task_type: str
    description: str
    queue: str
    arguments_schema: dict[str, Any]

    @classmethod
    def of(cls, spec: JobSpec) -> TaskTypeOut:
        return cls(
            task_type=spec.name,
            description=spec.description,
            queue=spec.queue,
            arguments_schema=spec.arguments.model_json_schema(),
        )


class DeadLetterOut(BaseModel):
    id: uuid.UUID
    task_run_id: uuid.UUID
    task_type: str
    arguments: dict[str, Any]
    error: str
    traceback: str | None
    attempts: int
    permanent: bool
    first_failed_at: datetime
    last_failed_at: datetime
    replayed_at: datetime | None
    replay_task_run_id: uuid.UUID | None

    @classmethod
    def of(cls, entry: DeadLetter, *, full: bool = False) -> DeadLetterOut:
        return cls(
            id=entry.id,
            task_run_id=entry.task_run_id,
            task_type=entry.task_type,
            arguments=redact(entry.arguments),
            error=entry.error,
            traceback=entry.traceback if full else None,
            attempts=entry.attempts,
            permanent=entry.permanent,
            first_failed_at=entry.first_failed_at,
            last_failed_at=entry.last_failed_at,
            replayed_at=entry.replayed_at,
            replay_task_run_id=entry.replay_task_run_id,
        )


class ReplayOut(BaseModel):
    dead_letter: DeadLetterOut
    task: TaskOut
