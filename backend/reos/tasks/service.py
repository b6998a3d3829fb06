"""Task runs and dead letters as the organization manages them: list, start, cancel, retry,
replay. The session is bound to the caller's organization, so another's ids are not found."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from reos import events
from reos.core.db import utcnow
from reos.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from reos.core.pagination import PageParams, paginate
from reos.events.catalog import TaskCancelled, TaskCancelRequested, TaskEvent, TaskReplayed
from reos.jobs import JobCatalog, JobSpec, enqueue
from reos.models import DeadLetter, TaskRun

RETRYABLE = frozenset({"failed", "dead_lettered"})
Row = TypeVar("Row", TaskRun, DeadLetter)


def _newest_first(
    session: Session, query: Select[Row], model: type[TaskRun] | type[DeadLetter], page: PageParams
) -> tuple[list[Row], int]:
    return paginate(session, query.order_by(model.created_at.desc(), model.id), page)


def list_runs(
    session: Session, page: PageParams, *, status: str | None, task_type: str | None
) -> tuple[list[TaskRun], int]:
    query = select(TaskRun)
    if status:
        query = query.where(TaskRun.status == status)
    if task_type:
        query = query.where(TaskRun.task_type == task_type)
    return _newest_first(session, query, TaskRun, page)


def get_run(session: Session, run_id: uuid.UUID) -> TaskRun:
    run = session.get(TaskRun, run_id)
    if run is None:
        raise NotFound("No such task.")
    return run


def start(
    session: Session,
    *,
    jobs: JobCatalog,
    task_type: str,
    arguments: dict[str, Any],
    user_id: uuid.UUID,
) -> TaskRun:
    spec = jobs.get(task_type)
    if spec is None or not spec.startable:
        raise ValidationFailed(
            "Unknown task type.",
            errors=[FieldProblem("task_type", f"one of: {', '.join(startable(jobs))}")],
        )
    try:
        parsed = spec.arguments.model_validate(arguments)
    except ValidationError as exc:
        raise ValidationFailed(
            "The task's arguments are invalid.",
            errors=[
                FieldProblem(".".join(["arguments", *map(str, e["loc"])]), e["msg"])
                for e in exc.errors()
            ],
        ) from exc
    return enqueue(session, spec, parsed, created_by=user_id)


def startable(jobs: JobCatalog) -> list[str]:
    return sorted(name for name, spec in jobs.items() if spec.startable)


def cancel(session: Session, run: TaskRun, user_id: uuid.UUID) -> TaskRun:
    """Pending: cancelled now (a message still in flight finds it cancelled). Running: asked to
    stop at its next progress report or heartbeat. Finished: nothing to cancel."""
    if run.status == "pending":
        run.status, run.cancel_requested, run.finished_at = "cancelled", True, utcnow()
        event: TaskEvent = TaskCancelled(task_id=run.id, task_type=run.task_type)
    elif run.status == "running":
        run.cancel_requested = True
        event = TaskCancelRequested(task_id=run.id, task_type=run.task_type)
    else:
        raise Conflict(f"The task is already {run.status}.")
    session.flush()
    events.record(session, event.model_copy(update={"actor_user_id": user_id}))
    return run


def retry(
    session: Session, *, jobs: JobCatalog, run_ids: list[uuid.UUID], user_id: uuid.UUID
) -> list[TaskRun]:
    runs = [get_run(session, run_id) for run_id in run_ids]
    for run in runs:
        if run.status not in RETRYABLE:
            raise Conflict(
                f"Task {run.id} is {run.status}; only failed or dead-lettered tasks retry."
            )
    new_runs = []
    for run in runs:
        if run.status == "dead_lettered":
            entry = session.scalar(select(DeadLetter).where(DeadLetter.task_run_id == run.id))
            if entry is not None:
                new_runs.append(replay(session, jobs=jobs, entry=entry, user_id=user_id))
                continue
        new_runs.append(_rerun(session, jobs=jobs, run=run, user_id=user_id))
    return new_runs


def list_dead_letters(
    session: Session, page: PageParams, *, task_type: str | None, replayed: bool | None
) -> tuple[list[DeadLetter], int]:
    query = select(DeadLetter)
    if task_type:
        query = query.where(DeadLetter.task_type == task_type)
    if replayed is not None:
        query = query.where(
            DeadLetter.replayed_at.is_not(None) if replayed else DeadLetter.replayed_at.is_(None)
        )
    return _newest_first(session, query, DeadLetter, page)


def get_dead_letter(session: Session, entry_id: uuid.UUID) -> DeadLetter:
    entry = session.get(DeadLetter, entry_id)
    if entry is None:
        raise NotFound("No such dead-letter entry.")
    return entry


def replay(session: Session, *, jobs: JobCatalog, entry: DeadLetter, user_id: uuid.UUID) -> TaskRun:
    """Run a dead-lettered task again, once: the conditional update lets exactly one of two
    concurrent replays through, and the loser gets a 409."""
    claimed = session.execute(
        update(DeadLetter)
        .where(DeadLetter.id == entry.id, DeadLetter.replayed_at.is_(None))
        .values(replayed_at=utcnow(), replayed_by_id=user_id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This dead-letter entry has already been replayed.")
    run = get_run(session, entry.task_run_id)
    new_run = _rerun(session, jobs=jobs, run=run, user_id=user_id)
    session.execute(
        update(DeadLetter)
        .where(DeadLetter.id == entry.id)
        .values(replay_task_run_id=new_run.id)
        .execution_options(synchronize_session=False)
    )
    replayed = TaskReplayed(
        task_id=run.id,
        task_type=run.task_type,
        dead_letter_id=entry.id,
        replay_task_id=new_run.id,
        actor_user_id=user_id,
    )
    events.record(session, replayed)
    session.refresh(entry)
    return new_run


def _rerun(session: Session, *, jobs: JobCatalog, run: TaskRun, user_id: uuid.UUID) -> TaskRun:
    spec: JobSpec | None = jobs.get(run.task_type)
    if spec is None:
        raise Conflict(f"Task type {run.task_type!r} no longer exists; it cannot run again.")
    try:
        arguments = spec.arguments.model_validate(run.arguments)
    except ValidationError as exc:
        raise Conflict(
            "The task's stored arguments are no longer valid; start a new task."
        ) from exc
    return enqueue(session, spec, arguments, created_by=user_id, parent=run)
