"""What beat starts: housekeeping per organization, and the recovery of lost messages.

The app's database role sees one organization at a time (Row-Level Security), so beat asks
`reos_organization_ids()` (ids only, as the owner) and then works inside each organization.
Each scheduled run is an ordinary task run of that organization, so it shows in its tasks list.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, text, update

from reos.core.db import Database, utcnow
from reos.core.logging import get_logger
from reos.core.settings import Settings
from reos.jobs import Dispatcher, JobSpec, NoArguments, new_run
from reos.models import Organization, TaskRun

log = get_logger("reos.beat")
LEASE_BEATS = 3


def organization_ids(database: Database) -> list[uuid.UUID]:
    with database.unit_of_work() as session:
        if session.get_bind().dialect.name == "postgresql":
            rows = session.execute(text("SELECT * FROM reos_organization_ids()")).scalars()
        else:
            rows = session.scalars(select(Organization.id).order_by(Organization.id))
        return [uuid.UUID(str(row)) for row in rows]


def fan_out(
    database: Database, dispatcher: Dispatcher, settings: Settings, spec: JobSpec
) -> list[uuid.UUID]:
    """Start one run of `spec` in every organization; returns the runs' ids."""
    started = []
    for organization_id in organization_ids(database):
        with database.unit_of_work(organization_id) as session:
            run = new_run(session, spec, NoArguments(), max_retries=settings.task_max_retries)
            run_id, queue = run.id, run.queue
        dispatcher.send(run_id, organization_id, queue)
        started.append(run_id)
    return started


@dataclass(frozen=True)
class Recovered:
    resent_pending: int
    resent_stalled: int


def recover_lost(database: Database, dispatcher: Dispatcher, settings: Settings) -> Recovered:
    """Send again what no worker holds: pending runs whose message should long have arrived
    (an embedded broker loses the messages a killed worker had taken), and running runs whose
    heartbeat stopped. A message that was not lost after all finds the run claimed or done."""
    now = utcnow()
    stale = now - timedelta(seconds=settings.task_stale_after_seconds)
    stalled = now - timedelta(seconds=settings.task_heartbeat_seconds * LEASE_BEATS)
    pending = running = 0
    for organization_id in organization_ids(database):
        with database.unit_of_work(organization_id) as session:
            rows = session.execute(
                select(TaskRun.id, TaskRun.queue, TaskRun.status).where(
                    or_(
                        (TaskRun.status == "pending")
                        & (
                            or_(
                                TaskRun.next_attempt_at < stale,
                                TaskRun.next_attempt_at.is_(None) & (TaskRun.enqueued_at < stale),
                            )
                        ),
                        (TaskRun.status == "running") & (TaskRun.heartbeat_at < stalled),
                    )
                )
            ).all()
            # Re-sent now: the clock starts again, so a long backlog is not re-sent every tick.
            session.execute(
                update(TaskRun)
                .where(TaskRun.id.in_([row.id for row in rows if row.status == "pending"]))
                .values(enqueued_at=now, next_attempt_at=None)
                .execution_options(synchronize_session=False)
            )
        for run_id, queue, status in rows:
            dispatcher.send(run_id, organization_id, queue)
            if status == "pending":
                pending += 1
            else:
                running += 1
    if pending or running:
        log.warning("lost_tasks_resent", pending=pending, running=running)
    return Recovered(pending, running)
