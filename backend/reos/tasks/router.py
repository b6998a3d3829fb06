"""HTTP endpoints of /api/v1/tasks and /api/v1/admin/dlq."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from reos.api.deps import JobsDep, Principal, SessionDep, require
from reos.api.idempotency import IdempotencyKeyDep
from reos.api.responses import READ_ERRORS, WRITE_ERRORS, errors
from reos.core.pagination import Page, PageParams, page_params
from reos.core.security.rbac import Permission
from reos.tasks import service
from reos.tasks.schemas import (
    TASK_STATUS_PATTERN,
    DeadLetterOut,
    ReplayOut,
    RetryIn,
    TaskIn,
    TaskOut,
    TaskTypeOut,
)

router = APIRouter(prefix="/tasks", tags=["tasks"])
admin_router = APIRouter(prefix="/admin/dlq", tags=["admin"])

CanRead = Annotated[Principal, Depends(require(Permission.TASKS_READ))]
CanWrite = Annotated[Principal, Depends(require(Permission.TASKS_WRITE))]
IsAdmin = Annotated[Principal, Depends(require(Permission.ADMIN))]
Pagination = Annotated[PageParams, Depends(page_params)]


@router.get("", response_model=Page[TaskOut], responses=errors(401, 403, 422, 429))
def list_tasks(
    principal: CanRead,
    session: SessionDep,
    page: Pagination,
    status_: Annotated[str | None, Query(alias="status", pattern=TASK_STATUS_PATTERN)] = None,
    task_type: Annotated[str | None, Query(max_length=80)] = None,
) -> Page[TaskOut]:
    """Your organization's background tasks, newest first, with status, progress and timings."""
    runs, total = service.list_runs(session, page, status=status_, task_type=task_type)
    return Page[TaskOut].of([TaskOut.of(run) for run in runs], total, page)


@router.get("/types", response_model=list[TaskTypeOut], responses=errors(401, 403, 429))
def list_task_types(principal: CanRead, jobs: JobsDep) -> list[TaskTypeOut]:
    """The task types POST /tasks starts, each with the JSON schema of its arguments."""
    return [TaskTypeOut.of(jobs[name]) for name in service.startable(jobs)]


@router.post(
    "", status_code=status.HTTP_202_ACCEPTED, response_model=TaskOut, responses=WRITE_ERRORS
)
def start_task(
    body: TaskIn, principal: CanWrite, session: SessionDep, jobs: JobsDep, _key: IdempotencyKeyDep
) -> TaskOut:
    """Start a task of a documented type (see GET /tasks/types); it runs in the worker."""
    run = service.start(
        session,
        jobs=jobs,
        task_type=body.task_type,
        arguments=body.arguments,
        user_id=principal.user_id,
    )
    return TaskOut.of(run)


@router.post(
    "/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=list[TaskOut],
    responses=WRITE_ERRORS,
)
def retry_tasks(
    body: RetryIn, principal: CanWrite, session: SessionDep, jobs: JobsDep
) -> list[TaskOut]:
    """Run failed or dead-lettered tasks again, as new tasks linked to the old ones."""
    runs = service.retry(session, jobs=jobs, run_ids=body.task_ids, user_id=principal.user_id)
    return [TaskOut.of(run) for run in runs]


@router.get("/{task_id}", response_model=TaskOut, responses=READ_ERRORS)
def get_task(task_id: uuid.UUID, principal: CanRead, session: SessionDep) -> TaskOut:
    """One task: status, progress `{processed, total}`, result or error, attempts."""
    return TaskOut.of(service.get_run(session, task_id))


@router.delete(
    "/{task_id}",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TaskOut,
    responses=errors(401, 403, 404, 409, 422, 429),
)
def cancel_task(task_id: uuid.UUID, principal: CanWrite, session: SessionDep) -> TaskOut:
    """Cancel: a pending task never starts; a running one stops at its next progress report."""
    run = service.cancel(session, service.get_run(session, task_id), principal.user_id)
    return TaskOut.of(run)


@admin_router.get("", response_model=Page[DeadLetterOut], responses=errors(401, 403, 422, 429))
def list_dead_letters(
    principal: IsAdmin,
    session: SessionDep,
    page: Pagination,
    task_type: Annotated[str | None, Query(max_length=80)] = None,
    replayed: bool | None = None,
) -> Page[DeadLetterOut]:
    """Dead-lettered tasks of your organization, newest first."""
    entries, total = service.list_dead_letters(
        session, page, task_type=task_type, replayed=replayed
    )
    return Page[DeadLetterOut].of([DeadLetterOut.of(entry) for entry in entries], total, page)


@admin_router.get("/{entry_id}", response_model=DeadLetterOut, responses=READ_ERRORS)
def get_dead_letter(entry_id: uuid.UUID, principal: IsAdmin, session: SessionDep) -> DeadLetterOut:
    """One dead-letter entry, with its error and traceback."""
    return DeadLetterOut.of(service.get_dead_letter(session, entry_id), full=True)


@admin_router.post(
    "/{entry_id}/replay",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReplayOut,
    responses=errors(401, 403, 404, 409, 422, 429),
)
def replay_dead_letter(
    entry_id: uuid.UUID, principal: IsAdmin, session: SessionDep, jobs: JobsDep
) -> ReplayOut:
    """Replay a dead-lettered task once, as a new task; a second replay is a 409."""
    entry = service.get_dead_letter(session, entry_id)
    run = service.replay(session, jobs=jobs, entry=entry, user_id=principal.user_id)
    return ReplayOut(dead_letter=DeadLetterOut.of(entry), task=TaskOut.of(run))
