"""Beat's work: housekeeping started in every organization (each sees only its own runs), the
housekeeping itself, and the recovery of runs whose message was lost."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from reos.composition import JOBS
from reos.core.celery_app import make_celery
from reos.core.db import Database, utcnow
from reos.core.settings import Settings
from reos.jobs import Dispatcher, NoArguments, maintenance, new_run, schedule
from reos.models import IdempotencyKey, TaskRun
from reos.outreach.jobs import DELIVER_WEBHOOK, DeliverWebhookArgs
from reos.worker import beat_schedule, create_worker
from tests.conftest import Account, register
from tests.jobs_support import queued_task_ids, runner_for


def dispatcher(settings: Settings) -> Dispatcher:
    return Dispatcher(make_celery(settings))


def test_every_scheduled_entry_names_a_task_the_worker_runs(settings: Settings) -> None:
    worker = create_worker(settings)
    entries = beat_schedule()
    assert {entry["task"] for entry in entries.values()} <= set(worker.tasks)
    started = {entry["args"][0] for entry in entries.values() if entry.get("args")}
    assert started == set(maintenance.MAINTENANCE_TYPES)
    assert started <= set(JOBS)


def test_fan_out_starts_one_run_per_organization_each_seeing_only_its_own(
    client: TestClient, settings: Settings, database: Database
) -> None:
    first, second = register(client, "First Realty"), register(client, "Second Realty")
    queued_task_ids(settings, "low_priority")
    started = schedule.fan_out(
        database, dispatcher(settings), settings, maintenance.PURGE_IDEMPOTENCY_KEYS
    )
    assert len(started) == 2
    assert sorted(queued_task_ids(settings, "low_priority")) == sorted(map(str, started))
    for account in (first, second):
        tasks = client.get("/api/v1/tasks", headers=account.headers).json()
        assert tasks["total"] == 1
        (task,) = tasks["items"]
        assert task["task_type"] == "maintenance.purge_idempotency_keys"
        assert task["queue"] == "low_priority"


def test_purge_removes_only_keys_older_than_a_day(
    client: TestClient, settings: Settings, database: Database
) -> None:
    admin = register(client)
    org = uuid.UUID(admin.organization_id)
    now = utcnow()
    with database.unit_of_work(org) as session:
        for label, age in (("old", timedelta(hours=25)), ("fresh", timedelta(hours=23))):
            session.add(
                IdempotencyKey(
                    user_id=uuid.UUID(admin.id),
                    method="POST",
                    path="/api/v1/tasks",
                    key=label,
                    request_hash="0" * 64,
                    created_at=now - age,
                    expires_at=now - age + timedelta(hours=24),
                )
            )
        run_id = new_run(
            session, maintenance.PURGE_IDEMPOTENCY_KEYS, NoArguments(), max_retries=3
        ).id
    assert runner_for(client.app).run(run_id, org).status == "succeeded"
    with database.unit_of_work(org) as session:
        left = session.scalars(select(IdempotencyKey.key)).all()
        result = session.get(TaskRun, run_id).result  # type: ignore[union-attr]
    assert left == ["fresh"]
    assert result is not None and result["purged_idempotency_keys"] == 1


def test_recovery_resends_runs_whose_message_was_lost_and_leaves_live_ones(
    client: TestClient, settings: Settings, database: Database
) -> None:
    admin: Account = register(client)
    org = uuid.UUID(admin.organization_id)
    now = utcnow()
    arguments = DeliverWebhookArgs(url="https://hooks.example.com/in", event_type="a.b")  # type: ignore[arg-type]
    runs: dict[str, Any] = {}
    with database.unit_of_work(org) as session:
        for label in ("lost_pending", "fresh_pending", "stalled", "alive"):
            runs[label] = new_run(session, DELIVER_WEBHOOK, arguments, max_retries=3)
        runs["lost_pending"].enqueued_at = now - timedelta(minutes=10)
        for label, beat in (("stalled", timedelta(minutes=5)), ("alive", timedelta(seconds=0))):
            runs[label].status = "running"
            runs[label].heartbeat_at = now - beat
        ids = {label: str(run.id) for label, run in runs.items()}
    queued_task_ids(settings, "default")

    recovered = schedule.recover_lost(database, dispatcher(settings), settings)
    assert (recovered.resent_pending, recovered.resent_stalled) == (1, 1)
    assert sorted(queued_task_ids(settings, "default")) == sorted(
        [ids["lost_pending"], ids["stalled"]]
    )
    # The clock restarted for the re-sent pending run: the next tick leaves it alone.
    assert schedule.recover_lost(database, dispatcher(settings), settings).resent_pending == 0

    # The stalled run is taken over by whichever worker gets the message.
    outcome = runner_for(client.app).run(uuid.UUID(ids["stalled"]), org)
    assert outcome.status == "succeeded"
