"""Starting a job from any service: the run is a row in the caller's transaction, and its
message is sent only once that transaction commits.

`enqueue(session, spec, arguments, created_by=...)` writes the `TaskRun` and buffers the message
on the session; the process's commit listener (`send_enqueued`, installed by the composition
root on the API's and the worker's `Database`) sends what was buffered after the commit. A
rolled-back transaction leaves no run and sends nothing, and a message never names a run that
does not exist. The message carries the run's id and organization, never an object.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from celery import Celery
from pydantic import BaseModel
from sqlalchemy.orm import Session

from reos import events
from reos.core.after_commit import CommitListener, commit_buffer, drain_commit_buffer
from reos.core.celery_app import RUN_JOB
from reos.core.db import session_settings, utcnow
from reos.core.logging import get_logger
from reos.events.catalog import TaskQueued
from reos.jobs.spec import JobSpec
from reos.models import TaskRun

log = get_logger("reos.jobs")

PENDING = "task_messages"


@dataclass(frozen=True)
class TaskMessage:
    run_id: uuid.UUID
    organization_id: uuid.UUID
    queue: str


class Dispatcher:
    """Sends run messages to the broker; one per process, shared by every request."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def send(self, run_id: uuid.UUID, organization_id: uuid.UUID, queue: str) -> None:
        try:
            self.celery.send_task(
                RUN_JOB, args=[str(run_id), str(organization_id)], queue=queue, task_id=str(run_id)
            )
        except Exception:
            # The run stays pending; beat's recovery re-sends it, so nothing is lost.
            log.error("task_dispatch_failed", run_id=str(run_id), exc_info=True)


def new_run(
    session: Session,
    spec: JobSpec,
    arguments: BaseModel,
    *,
    max_retries: int,
    created_by: uuid.UUID | None = None,
    parent: TaskRun | None = None,
) -> TaskRun:
    """The run's row alone (beat and the tests send its message themselves)."""
    run_id = uuid.uuid4()
    run = TaskRun(
        id=run_id,
        task_type=spec.name,
        queue=spec.queue,
        status="pending",
        arguments=arguments.model_dump(mode="json"),
        max_retries=max_retries,
        root_id=parent.root_id if parent is not None else run_id,
        parent_id=parent.id if parent is not None else None,
        created_by_id=created_by,
        enqueued_at=utcnow(),
        failures=[],
    )
    session.add(run)
    session.flush()
    queued = TaskQueued(
        task_id=run.id, task_type=run.task_type, parent_id=run.parent_id, actor_user_id=created_by
    )
    events.record(session, queued)
    return run


def enqueue(
    session: Session,
    spec: JobSpec,
    arguments: BaseModel,
    *,
    created_by: uuid.UUID | None,
    parent: TaskRun | None = None,
) -> TaskRun:
    """Create the run in the caller's transaction; its message goes out once that commits."""
    run = new_run(
        session,
        spec,
        arguments,
        max_retries=session_settings(session).task_max_retries,
        created_by=created_by,
        parent=parent,
    )
    commit_buffer(session, PENDING).append(TaskMessage(run.id, run.organization_id, run.queue))
    return run


class TaskAccepted(BaseModel):
    """What an endpoint that starts a background task answers (202)."""

    task_id: uuid.UUID
    status: str
    status_url: str


def accepted(run: TaskRun) -> TaskAccepted:
    return TaskAccepted(task_id=run.id, status=run.status, status_url=f"/api/v1/tasks/{run.id}")


def send_enqueued(dispatcher: Dispatcher) -> CommitListener:
    """The commit listener that sends the messages of the runs a transaction created."""

    def send(session: Session) -> None:
        for message in drain_commit_buffer(session, PENDING):
            dispatcher.send(message.run_id, message.organization_id, message.queue)

    return send
