"""What a running job may use: the database, the providers, progress reporting (which is also
where a cancel request is noticed) and `once`, the single side-effect guarantee."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import redis
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from providers.factory import ProviderSet
from reos.core.db import Database, utcnow
from reos.core.logging import get_logger
from reos.core.settings import Settings
from reos.jobs.spec import JobCancelled
from reos.models import TaskEffect, TaskRun

log = get_logger("reos.jobs")


@dataclass
class JobContext:
    """Built by the worker for one attempt of one run."""

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
        """A unit of work in the run's organization; what it enqueues or records is sent and
        published after it commits."""
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

    def once(self, key: str, act: Callable[[Session], dict[str, Any]]) -> dict[str, Any]:
        """Do an effect at most once per logical task, however often the task runs.

        The effect is keyed by the root run (retries and replays share it) and recorded in the
        transaction `act` is given, together with whatever `act` writes there: a database
        change (a valuation) happens exactly once; for an outside effect (a message to a
        vendor) a key already recorded means it happened, so its stored result is returned and
        `act` is not called. A worker killed after the vendor accepted but before the commit
        leaves no record, so the effect is tried again; the providers are given the same
        message id each time (webhook-id, for one), so a receiver that deduplicates sees it
        once.
        """
        effect_key = f"{self.root_id}:{key}"
        with self.session() as session:
            done = session.scalar(select(TaskEffect).where(TaskEffect.effect_key == effect_key))
            if done is not None:
                self.skipped_effects.append(key)
                log.info("effect_already_done", effect_key=effect_key, run_id=str(self.run_id))
                return dict(done.result)
            result = act(session)
            session.add(TaskEffect(effect_key=effect_key, task_run_id=self.run_id, result=result))
        return result
