"""The scheduled housekeeping beat runs for every organization (see reos.jobs.schedule)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select

from reos.core.db import utcnow
from reos.jobs import JobContext, JobSpec, NoArguments
from reos.models import Campaign, DeliverabilityEvent, IdempotencyKey, Portfolio, TaskRun

# Finished housekeeping runs are kept a week, long enough to see that beat is alive.
MAINTENANCE_RUNS_KEPT = timedelta(days=7)
FINISHED = ("succeeded", "failed", "cancelled")


def purge_idempotency_keys(context: JobContext, _args: NoArguments) -> dict[str, Any]:
    """Idempotency keys older than IDEMPOTENCY_TTL_HOURS (24 by default) have served their
    purpose: a client retrying later than that is making a new request."""
    now = utcnow()
    cutoff = now - timedelta(hours=context.settings.idempotency_ttl_hours)
    with context.session() as session:
        keys = session.execute(
            delete(IdempotencyKey)
            .where(IdempotencyKey.created_at < cutoff)
            .execution_options(synchronize_session=False)
        )
        runs = session.execute(
            delete(TaskRun)
            .where(
                TaskRun.task_type.in_(MAINTENANCE_TYPES),
                TaskRun.status.in_(FINISHED),
                TaskRun.finished_at < now - MAINTENANCE_RUNS_KEPT,
            )
            .execution_options(synchronize_session=False)
        )
    return {
        "purged_idempotency_keys": keys.rowcount,  # type: ignore[attr-defined]
        "pruned_maintenance_runs": runs.rowcount,  # type: ignore[attr-defined]
        "cutoff": cutoff.isoformat(),
    }


def sweep_campaigns(context: JobContext, _args: NoArguments) -> dict[str, Any]:
    """Scheduled campaigns whose start time has come. Starting them belongs to the campaign
    runner; until it exists the sweep reports them so an operator sees what is waiting."""
    now = utcnow()
    with context.session() as session:
        due = session.scalars(
            select(Campaign.id)
            .where(Campaign.status == "scheduled", Campaign.scheduled_at <= now)
            .order_by(Campaign.scheduled_at)
        ).all()
    return {"due_campaigns": [str(campaign_id) for campaign_id in due]}


def refresh_deliverability_rollups(context: JobContext, _args: NoArguments) -> dict[str, Any]:
    """Deliverability events per type over the last day and week."""
    now = utcnow()
    rollups: dict[str, dict[str, int]] = {}
    with context.session() as session:
        for window, since in (
            ("last_24h", now - timedelta(days=1)),
            ("last_7d", now - timedelta(days=7)),
        ):
            rows = session.execute(
                select(DeliverabilityEvent.event_type, func.count())
                .where(DeliverabilityEvent.occurred_at >= since)
                .group_by(DeliverabilityEvent.event_type)
            ).all()
            rollups[window] = {event_type: count for event_type, count in rows}
    return rollups


def reconcile_portfolios(context: JobContext, _args: NoArguments) -> dict[str, Any]:
    """Nightly reconciliation. Registered with the schedule now; the comparison itself comes
    with the portfolio feature, and until then the run reports what it would reconcile."""
    with context.session() as session:
        portfolios = session.scalar(select(func.count()).select_from(Portfolio)) or 0
    return {"portfolios": portfolios, "reconciled": 0}


def _maintenance(name: str, run: Any, description: str, queue: str = "low_priority") -> JobSpec:
    return JobSpec(
        name=name,
        arguments=NoArguments,
        run=run,
        description=description,
        queue=queue,
        dead_letter=False,
    )


PURGE_IDEMPOTENCY_KEYS = _maintenance(
    "maintenance.purge_idempotency_keys",
    purge_idempotency_keys,
    "Delete idempotency keys older than 24 h and finished housekeeping runs older than 7 days.",
)
SWEEP_CAMPAIGNS = _maintenance(
    "maintenance.sweep_campaigns",
    sweep_campaigns,
    "List scheduled campaigns whose start time has come.",
    queue="default",
)
REFRESH_DELIVERABILITY = _maintenance(
    "maintenance.refresh_deliverability_rollups",
    refresh_deliverability_rollups,
    "Count deliverability events per type over the last day and week.",
)
RECONCILE_PORTFOLIOS = _maintenance(
    "maintenance.reconcile_portfolios",
    reconcile_portfolios,
    "Nightly portfolio reconciliation.",
)
MAINTENANCE_JOBS = (
    PURGE_IDEMPOTENCY_KEYS,
    SWEEP_CAMPAIGNS,
    REFRESH_DELIVERABILITY,
    RECONCILE_PORTFOLIOS,
)
MAINTENANCE_TYPES = tuple(spec.name for spec in MAINTENANCE_JOBS)
