"""One attempt of one task run, independent of Celery: claim, run, then record the outcome.

The `task_runs` row is the task's truth, the broker message only a wake-up call:
- a claim moves the run from `pending` to `running` under a row lock, so a duplicate message
  finds it taken; a `running` run whose heartbeat stopped (its worker was killed) is taken over;
- transient failures go back to `pending` with an exponential, jittered delay, until the
  retries are spent; permanent failures and spent retries are dead-lettered in one transaction;
- a finished, cancelled or dead-lettered run is never run again by a stray message.
"""

from __future__ import annotations

import random
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from pydantic import BaseModel, ValidationError
from sqlalchemy import select, update

from providers.base import BudgetExceededError, PermanentProviderError
from providers.factory import ProviderSet
from reos import events
from reos.core.db import Database, utcnow
from reos.core.errors import DomainError
from reos.core.logging import get_logger
from reos.core.settings import Settings
from reos.core.time import as_utc
from reos.events.catalog import (
    TaskCancelled,
    TaskDeadLettered,
    TaskEvent,
    TaskFailed,
    TaskRetryScheduled,
    TaskStarted,
    TaskSucceeded,
)
from reos.jobs import JobCancelled, JobCatalog, JobContext, JobSpec, PermanentJobError
from reos.models import DeadLetter, TaskRun

log = get_logger("reos.worker")

PERMANENT_ERRORS = (
    PermanentJobError,
    PermanentProviderError,
    BudgetExceededError,
    ValidationError,
)
TERMINAL = frozenset({"succeeded", "failed", "dead_lettered", "cancelled"})
LEASE_BEATS = 3


@dataclass(frozen=True)
class Outcome:
    """What the broker side should do next: nothing, send again later, or dead-letter."""

    status: str  # succeeded | retry | deferred | dead_lettered | failed | cancelled | skipped
    countdown: float | None = None
    dead_letter_id: uuid.UUID | None = None


def backoff(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential back-off with "equal jitter": half the delay fixed, half random, so retries
    of many tasks failing together spread out while each delay still grows."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return round(ceiling / 2 + rng.uniform(0, ceiling / 2), 3)


class Heartbeat:
    """Proves the run is alive while its job works, and notices a cancel request early."""

    def __init__(self, context: JobContext, interval: float) -> None:
        self.context = context
        self.interval = interval
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="task-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.context.session() as session:
                    session.execute(
                        update(TaskRun)
                        .where(TaskRun.id == self.context.run_id)
                        .values(heartbeat_at=utcnow())
                    )
                    cancel = session.scalar(
                        select(TaskRun.cancel_requested).where(TaskRun.id == self.context.run_id)
                    )
                if cancel:
                    self.context.cancel_requested.set()
            except Exception:
                log.warning("heartbeat_failed", run_id=str(self.context.run_id), exc_info=True)


class JobRunner:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        providers: ProviderSet,
        jobs: JobCatalog,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = utcnow,
        redis_client: redis.Redis | None = None,
    ) -> None:
        self.settings = settings
        self.redis = redis_client
        self.database = database
        self.providers = providers
        self.jobs = jobs
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self.clock = clock

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.task_heartbeat_seconds * LEASE_BEATS)

    def run(self, run_id: uuid.UUID, organization_id: uuid.UUID) -> Outcome:
        claimed = self._claim(run_id, organization_id)
        if isinstance(claimed, Outcome):
            return claimed
        spec, arguments, context = claimed
        log.info("task_started", run_id=str(run_id), task_type=spec.name, attempt=context.attempt)
        try:
            with Heartbeat(context, self.settings.task_heartbeat_seconds):
                result = spec.run(context, arguments)
        except JobCancelled:
            return self._finish(context, "cancelled", error="cancelled while running")
        except Exception as exc:
            return self._failed(context, spec, exc)
        if context.skipped_effects:
            result = {**result, "effects_already_done": context.skipped_effects}
        return self._finish(context, "succeeded", result=result)

    # --- claim ------------------------------------------------------------------------------

    def _claim(
        self, run_id: uuid.UUID, organization_id: uuid.UUID
    ) -> Outcome | tuple[JobSpec, BaseModel, JobContext]:
        now = self.clock()
        with self.database.unit_of_work(organization_id) as session:
            run = session.get(TaskRun, run_id, with_for_update=True)
            if run is None:
                log.warning("task_run_unknown", run_id=str(run_id))
                return Outcome("skipped")
            if run.status in TERMINAL:
                return Outcome("skipped")
            if run.cancel_requested:
                run.status, run.finished_at = "cancelled", now
                events.record(session, TaskCancelled(task_id=run.id, task_type=run.task_type))
                return Outcome("cancelled")
            if run.status == "running":
                heartbeat = as_utc(run.heartbeat_at) or now
                if now - heartbeat < self.lease:
                    # Another worker holds it (a duplicate message): look again after its lease.
                    remaining = (heartbeat + self.lease - now).total_seconds()
                    return Outcome("deferred", countdown=max(remaining, 0.5))
                log.warning("task_taken_over", run_id=str(run_id), attempt=run.attempts)
            run.status = "running"
            run.attempts += 1
            run.started_at = run.started_at or now
            run.heartbeat_at = now
            run.next_attempt_at = None
            started = TaskStarted(task_id=run.id, task_type=run.task_type, attempt=run.attempts)
            events.record(session, started)
            spec = self.jobs.get(run.task_type)
            context = JobContext(
                settings=self.settings,
                database=self.database,
                providers=self.providers,
                organization_id=organization_id,
                run_id=run.id,
                root_id=run.root_id,
                attempt=run.attempts,
                redis=self.redis,
            )
            raw_arguments = dict(run.arguments)
        if spec is None:
            error = PermanentJobError(f"unknown task type {run.task_type!r}")
            return self._dead_letter(context, error, permanent=True)
        try:
            arguments = spec.arguments.model_validate(raw_arguments)
        except ValidationError as exc:
            return self._failed(context, spec, exc)
        return spec, arguments, context

    # --- outcomes ---------------------------------------------------------------------------

    def _finish(
        self,
        context: JobContext,
        status: str,
        *,
        result: dict[str, object] | None = None,
        error: str | None = None,
    ) -> Outcome:
        with self.database.unit_of_work(context.organization_id) as session:
            run = session.get(TaskRun, context.run_id, with_for_update=True)
            assert run is not None
            run.status, run.finished_at = status, self.clock()
            run.result, run.error = result, error
            events.record(session, _finished(run, status, error))
        log.info("task_finished", run_id=str(context.run_id), status=status)
        return Outcome(status)

    def _failed(self, context: JobContext, spec: JobSpec, exc: BaseException) -> Outcome:
        permanent = _is_permanent(exc)
        with self.database.unit_of_work(context.organization_id) as session:
            run = session.get(TaskRun, context.run_id, with_for_update=True)
            assert run is not None
            retry = not permanent and run.attempts <= run.max_retries
            delay = (
                backoff(
                    run.attempts,
                    self.settings.task_retry_backoff_seconds,
                    self.settings.task_retry_backoff_max_seconds,
                    self.rng,
                )
                if retry
                else None
            )
            now = self.clock()
            run.failures = [
                *run.failures,
                {
                    "attempt": run.attempts,
                    "at": now.isoformat(),
                    "error": _describe(exc),
                    "retry_in": delay,
                },
            ]
            run.error = _describe(exc)
            if retry:
                assert delay is not None
                run.status = "pending"
                run.next_attempt_at = now + timedelta(seconds=delay)
                retry_scheduled = TaskRetryScheduled(
                    task_id=run.id,
                    task_type=run.task_type,
                    attempt=run.attempts,
                    retry_in=delay,
                    error=run.error,
                )
                events.record(session, retry_scheduled)
                log.warning(
                    "task_retry_scheduled",
                    run_id=str(run.id),
                    attempt=run.attempts,
                    retry_in=delay,
                    error=run.error,
                )
                return Outcome("retry", countdown=delay)
        if spec.dead_letter:
            return self._dead_letter(context, exc, permanent=permanent)
        return self._finish(context, "failed", error=_describe(exc))

    def _dead_letter(self, context: JobContext, exc: BaseException, *, permanent: bool) -> Outcome:
        now = self.clock()
        with self.database.unit_of_work(context.organization_id) as session:
            run = session.get(TaskRun, context.run_id, with_for_update=True)
            assert run is not None
            failures = list(run.failures)
            first = datetime.fromisoformat(failures[0]["at"]) if failures else now
            entry = DeadLetter(
                task_run_id=run.id,
                task_type=run.task_type,
                arguments=dict(run.arguments),
                error=_describe(exc),
                traceback="".join(traceback.format_exception(exc))[-20_000:],
                attempts=run.attempts,
                permanent=permanent,
                first_failed_at=first,
                last_failed_at=now,
            )
            session.add(entry)
            run.status, run.finished_at, run.error = "dead_lettered", now, _describe(exc)
            session.flush()
            entry_id = entry.id
            dead_lettered = TaskDeadLettered(
                task_id=run.id,
                task_type=run.task_type,
                dead_letter_id=entry.id,
                permanent=permanent,
                error=run.error,
            )
            events.record(session, dead_lettered)
        log.error(
            "task_dead_lettered",
            run_id=str(context.run_id),
            dead_letter_id=str(entry_id),
            permanent=permanent,
        )
        return Outcome("dead_lettered", dead_letter_id=entry_id)


def _finished(run: TaskRun, status: str, error: str | None) -> TaskEvent:
    if status == "succeeded":
        return TaskSucceeded(task_id=run.id, task_type=run.task_type)
    if status == "cancelled":
        return TaskCancelled(task_id=run.id, task_type=run.task_type)
    return TaskFailed(task_id=run.id, task_type=run.task_type, error=error or status)


def _is_permanent(exc: BaseException) -> bool:
    """Refusals are final: bad input, a vendor's 4xx, a spent budget, a service's 4xx."""
    return isinstance(exc, PERMANENT_ERRORS) or (isinstance(exc, DomainError) and exc.status < 500)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]
