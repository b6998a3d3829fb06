"""Background jobs as features declare and start them.

A feature declares a `JobSpec` (a name, a pydantic model of its arguments, the function that
does the work, a queue) and starts it with `enqueue`, which writes a `TaskRun` in the request's
transaction and sends the message only after that transaction commits: a rolled-back request
leaves no task behind, and a message never names a run that does not exist. The message carries
the run's id and organization, never an object; the worker reads the rest from the database.

Inside the job, `JobContext` gives the database, the providers, progress reporting (which is
also where a cancel request is noticed) and `once`, the single side-effect guarantee.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import redis
from celery import Celery
from fastapi import Request
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from providers.factory import ProviderSet
from reos import events
from reos.core.celery_app import RUN_JOB
from reos.core.db import Database, utcnow
from reos.core.http.unit_of_work import unit_of_work
from reos.core.logging import get_logger
from reos.core.settings import Settings
from reos.events.catalog import TaskQueued
from reos.models import TaskEffect, TaskRun

log = get_logger("reos.jobs")


class PermanentJobError(Exception):
    """Retrying cannot help (bad input, a refusal): the task goes straight to the DLQ."""


class JobCancelled(Exception):
    """Raised inside a job at its next progress report once a cancel was requested."""


class NoArguments(BaseModel):
    model_config = {"extra": "forbid"}


JobFunction = Callable[["JobContext", Any], dict[str, Any]]


@dataclass(frozen=True)
class JobSpec:
    name: str
    arguments: type[BaseModel]
    run: JobFunction
    description: str
    queue: str = "default"
    # Offered by POST /api/v1/tasks; others are started by their own endpoint or by beat.
    startable: bool = True
    # Maintenance runs fail instead: beat runs them again, so the DLQ would only collect noise.
    dead_letter: bool = True


JobCatalog = Mapping[str, JobSpec]


def catalog(*specs: JobSpec) -> dict[str, JobSpec]:
    jobs = {spec.name: spec for spec in specs}
    if len(jobs) != len(specs):
        raise ValueError("two jobs share a name")
    return jobs


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
    request: Request,
    spec: JobSpec,
    arguments: BaseModel,
    *,
    created_by: uuid.UUID | None,
    parent: TaskRun | None = None,
) -> TaskRun:
    """Create the run in the request's transaction; send it once that transaction commits."""
    uow = unit_of_work(request.scope)
    settings: Settings = request.app.state.settings
    run = new_run(
        uow.session,
        spec,
        arguments,
        max_retries=settings.task_max_retries,
        created_by=created_by,
        parent=parent,
    )
    dispatcher: Dispatcher = request.app.state.dispatcher
    run_id, organization_id, queue = run.id, run.organization_id, run.queue
    uow.after_commit.append(lambda: dispatcher.send(run_id, organization_id, queue))
    return run


@dataclass
class JobContext:
    """What a running job may use. Built by the worker for one attempt of one run."""

    settings: Settings
    database: Database
    providers: ProviderSet
    organization_id: uuid.UUID
    run_id: uuid.UUID
    root_id: uuid.UUID
    attempt: int
    cancel_requested: threading.Event = field(default_factory=threading.Event)
    # The process's Redis client when REDIS_URL is set (to retire the API's cached reads).
    redis: redis.Redis | None = None
    # Effects found already done on this attempt (a replay or redelivery skipped them).
    skipped_effects: list[str] = field(default_factory=list)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.database.unit_of_work(self.organization_id) as session:
            yield session

    def progress(self, processed: int, total: int | None) -> None:
        """Record progress (and a heartbeat); stop here if a cancel was requested."""
        with self.session() as session:
            session.execute(
                update(TaskRun)
                .where(TaskRun.id == self.run_id)
                .values(progress_processed=processed, progress_total=total, heartbeat_at=utcnow())
            )
            cancelled = session.scalar(
                select(TaskRun.cancel_requested).where(TaskRun.id == self.run_id)
            )
        if cancelled or self.cancel_requested.is_set():
            raise JobCancelled()

    def once_in_transaction(
        self, key: str, act: Callable[[Session], dict[str, Any]]
    ) -> dict[str, Any]:
        """An effect that is itself a database write (a valuation, say): done and recorded in
        one transaction, so it happens exactly once however often the task runs."""
        effect_key = f"{self.root_id}:{key}"
        with self.session() as session:
            done = session.scalar(select(TaskEffect).where(TaskEffect.effect_key == effect_key))
            if done is not None:
                self.skipped_effects.append(key)
                return dict(done.result)
            result = act(session)
            session.add(TaskEffect(effect_key=effect_key, task_run_id=self.run_id, result=result))
        return result

    def once(
        self,
        key: str,
        act: Callable[[], dict[str, Any]],
        record: Callable[[Session, dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Do an outside effect at most once per logical task, however often the task runs.

        The effect is keyed by the root run (retries and replays share it) and recorded in the
        same transaction as what `record` writes about it. A key already recorded means the
        effect happened: its stored result is returned and `act` is not called. A worker killed
        after `act` but before the commit leaves no record, so the effect is tried again; the
        providers are given the same message id each time (webhook-id, for one), so a receiver
        that deduplicates sees it once.
        """
        effect_key = f"{self.root_id}:{key}"
        with self.session() as session:
            done = session.scalar(select(TaskEffect).where(TaskEffect.effect_key == effect_key))
            if done is not None:
                self.skipped_effects.append(key)
                log.info("effect_already_done", effect_key=effect_key, run_id=str(self.run_id))
                return dict(done.result)
            result = act()
            if record is not None:
                record(session, result)
            session.add(TaskEffect(effect_key=effect_key, task_run_id=self.run_id, result=result))
        return result
