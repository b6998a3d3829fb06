"""The tasks API and the dead-letter queue, with the worker played in-process by the same
runner the Celery worker uses, against the real providers (mock or a local HTTP subscriber)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from reos.composition import JOBS
from reos.core.db import Database
from reos.core.settings import Settings
from reos.jobs import JobContext, JobSpec, NoArguments, PermanentJobError, catalog, new_run
from reos.main import create_app
from reos.models import OutboxMessage, TaskRun
from reos.outreach.jobs import SendEmailArgs, send_email
from tests.conftest import Account, add_member, make_app, register
from tests.jobs_support import (
    Subscriber,
    queued_task_ids,
    run_until_settled,
    runner_for,
    subscriber,
)


@pytest.fixture
def hook() -> Iterator[Subscriber]:
    with subscriber(status=200) as receiving:
        yield receiving


@pytest.fixture
def http_client(settings: Settings, database: Database, owner_engine: Any) -> Iterator[TestClient]:
    """Webhooks through the real HTTP adapter, to loopback (allowed explicitly, as in tests)."""
    app = make_app(settings, database, webhook_provider="http", webhook_allow_hosts=["127.0.0.1"])
    with TestClient(app) as test_client:
        yield test_client


def start_webhook(client: TestClient, account: Account, url: str, **extra: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/tasks",
        headers=account.headers,
        json={
            "task_type": "webhook.deliver",
            "arguments": {"url": url, "event_type": "lead.created", "payload": {"n": 1}, **extra},
        },
    )
    assert response.status_code == 202, response.text
    task: dict[str, Any] = response.json()
    return task


def get_task(client: TestClient, account: Account, task_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/tasks/{task_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    task: dict[str, Any] = response.json()
    return task


def test_a_started_task_is_recorded_sent_after_commit_and_run_by_the_worker(
    client: TestClient, admin: Account, settings: Settings
) -> None:
    queued_task_ids(settings, "default")  # an empty queue to start from
    task = start_webhook(client, admin, "https://hooks.example.com/in")
    assert task["status"] == "pending" and task["queue"] == "default"
    assert task["arguments"]["secret"] == "[redacted]"
    assert queued_task_ids(settings, "default") == [task["id"]]

    outcomes = run_until_settled(runner_for(client.app), task["id"], admin.organization_id)
    assert [o.status for o in outcomes] == ["succeeded"]
    done = get_task(client, admin, task["id"])
    assert done["status"] == "succeeded"
    assert done["progress"] == {"processed": 1, "total": 1}
    assert done["result"]["status_code"] == 200
    assert done["attempts"] == 1 and done["started_at"] and done["finished_at"]
    listed = client.get("/api/v1/tasks?status=succeeded", headers=admin.headers).json()
    assert [t["id"] for t in listed["items"]] == [task["id"]]


def test_a_rolled_back_request_leaves_no_task_and_sends_no_message(
    client: TestClient, admin: Account, settings: Settings
) -> None:
    failing = start_webhook(client, admin, "https://always-500.webhook.test/in")
    run_until_settled(runner_for(client.app), failing["id"], admin.organization_id)
    queued_task_ids(settings, "default")
    # The same id twice: the first replay goes through, the second conflicts, so the request
    # fails as a whole and the first replay's run and message must vanish with it.
    response = client.post(
        "/api/v1/tasks/retry",
        headers=admin.headers,
        json={"task_ids": [failing["id"], failing["id"]]},
    )
    assert response.status_code == 409
    assert queued_task_ids(settings, "default") == []
    tasks = client.get("/api/v1/tasks", headers=admin.headers).json()
    assert tasks["total"] == 1
    dlq = client.get("/api/v1/admin/dlq", headers=admin.headers).json()
    assert dlq["items"][0]["replayed_at"] is None


def test_transient_failures_back_off_then_dead_letter_with_the_error(
    client: TestClient, admin: Account
) -> None:
    task = start_webhook(client, admin, "https://always-500.webhook.test/in")
    outcomes = run_until_settled(runner_for(client.app), task["id"], admin.organization_id)
    assert [o.status for o in outcomes] == ["retry", "retry", "retry", "dead_lettered"]
    delays = [o.countdown for o in outcomes[:3]]
    # Base 2 s doubling, with equal jitter: each delay lies in [d/2, d] and they grow.
    for delay, ceiling in zip(delays, (2.0, 4.0, 8.0), strict=True):
        assert delay is not None and ceiling / 2 <= delay <= ceiling
    assert delays == sorted(delays)

    dead = get_task(client, admin, task["id"])
    assert dead["status"] == "dead_lettered" and dead["attempts"] == 4
    assert [f["retry_in"] for f in dead["failures"]] == [*delays, None]
    assert "500" in dead["error"]
    dlq = client.get("/api/v1/admin/dlq", headers=admin.headers).json()
    assert dlq["total"] == 1
    entry = dlq["items"][0]
    assert entry["task_run_id"] == task["id"] and entry["attempts"] == 4
    assert entry["permanent"] is False and entry["arguments"]["secret"] == "[redacted]"
    detail = client.get(f"/api/v1/admin/dlq/{entry['id']}", headers=admin.headers).json()
    assert "TransientProviderError" in detail["traceback"]


def test_a_permanent_failure_goes_straight_to_the_dlq(client: TestClient, admin: Account) -> None:
    task = start_webhook(client, admin, "https://gone.webhook.test/in")  # 410: stop sending
    outcomes = run_until_settled(runner_for(client.app), task["id"], admin.organization_id)
    assert [o.status for o in outcomes] == ["dead_lettered"]
    entry = client.get("/api/v1/admin/dlq", headers=admin.headers).json()["items"][0]
    assert entry["permanent"] is True and entry["attempts"] == 1


def test_replay_after_the_cause_is_fixed_delivers_once_and_only_once(
    http_client: TestClient, hook: Subscriber
) -> None:
    admin = register(http_client)
    hook.status = 500
    task = start_webhook(http_client, admin, hook.url)
    runner = runner_for(http_client.app)
    assert run_until_settled(runner, task["id"], admin.organization_id)[-1].status == (
        "dead_lettered"
    )
    assert hook.attempts() == 4 and hook.delivered_ids() == []

    hook.status = 200  # the subscriber is fixed
    entry = http_client.get("/api/v1/admin/dlq", headers=admin.headers).json()["items"][0]
    replayed = http_client.post(f"/api/v1/admin/dlq/{entry['id']}/replay", headers=admin.headers)
    assert replayed.status_code == 202, replayed.text
    new_task = replayed.json()["task"]
    assert new_task["parent_id"] == task["id"] and new_task["root_id"] == task["id"]
    assert run_until_settled(runner, new_task["id"], admin.organization_id)[-1].status == (
        "succeeded"
    )
    # One delivery, carrying the logical task's id: the same webhook-id as the failed ones.
    assert hook.delivered_ids() == [f"msg_{uuid.UUID(task['id']).hex}"]

    again = http_client.post(f"/api/v1/admin/dlq/{entry['id']}/replay", headers=admin.headers)
    assert again.status_code == 409
    # A stray duplicate message for either run changes nothing.
    for run_id in (task["id"], new_task["id"]):
        assert runner.run(uuid.UUID(run_id), uuid.UUID(admin.organization_id)).status == "skipped"
    assert len(hook.delivered_ids()) == 1


def test_a_task_redelivered_after_its_effect_completes_without_repeating_it(
    http_client: TestClient, hook: Subscriber, database: Database
) -> None:
    """The worker died after the delivery was recorded but before the run was marked done."""
    admin = register(http_client)
    task = start_webhook(http_client, admin, hook.url)
    runner = runner_for(http_client.app)
    assert run_until_settled(runner, task["id"], admin.organization_id)[-1].status == "succeeded"
    org = uuid.UUID(admin.organization_id)
    with database.unit_of_work(org) as session:
        run = session.get(TaskRun, uuid.UUID(task["id"]))
        assert run is not None
        # Its heartbeat stopped an hour ago, when the worker was killed.
        run.status, run.result = "running", None
        run.heartbeat_at = datetime.now(UTC) - timedelta(hours=1)

    assert runner.run(uuid.UUID(task["id"]), org).status == "succeeded"
    assert len(hook.delivered_ids()) == 1
    done = get_task(http_client, admin, task["id"])
    assert done["result"]["effects_already_done"] == ["webhook.deliver"]
    assert done["attempts"] == 2


def _send_then_fail(context: JobContext, args: SendEmailArgs) -> dict[str, Any]:
    sent = send_email(context, args)
    if context.attempt == 1 and not context.skipped_effects:
        raise PermanentJobError("the step after the send failed")
    return sent


def test_replaying_a_task_whose_effect_happened_does_not_send_again(
    settings: Settings, database: Database, owner_engine: Any
) -> None:
    spec = JobSpec("test.send_then_fail", SendEmailArgs, _send_then_fail, "test")
    app = create_app(settings, database, jobs=catalog(spec, *JOBS.values()))
    with TestClient(app) as client:
        admin = register(client)
        org = uuid.UUID(admin.organization_id)
        with database.unit_of_work(org) as session:
            run = new_run(
                session,
                spec,
                SendEmailArgs(to="lead@example.com", subject="Hi", text="Hello"),
                max_retries=3,
            )
            run_id = run.id
        runner = runner_for(app)
        assert runner.run(run_id, org).status == "dead_lettered"
        entry = client.get("/api/v1/admin/dlq", headers=admin.headers).json()["items"][0]
        replay = client.post(f"/api/v1/admin/dlq/{entry['id']}/replay", headers=admin.headers)
        new_id = uuid.UUID(replay.json()["task"]["id"])
        assert runner.run(new_id, org).status == "succeeded"
        with database.unit_of_work(org) as session:
            sent = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.recipient == "lead@example.com")
            )
        assert sent == 1  # counted at the provider: its outbox


def test_cancel_a_pending_task_and_a_running_one(client: TestClient, admin: Account) -> None:
    pending = start_webhook(client, admin, "https://hooks.example.com/a")
    cancelled = client.delete(f"/api/v1/tasks/{pending['id']}", headers=admin.headers)
    assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
    runner = runner_for(client.app)
    assert runner.run(uuid.UUID(pending["id"]), uuid.UUID(admin.organization_id)).status == (
        "skipped"
    )
    assert client.delete(f"/api/v1/tasks/{pending['id']}", headers=admin.headers).status_code == 409

    running = start_webhook(client, admin, "https://hooks.example.com/b")
    org = uuid.UUID(admin.organization_id)
    db: Database = client.app.state.container.database  # type: ignore[attr-defined]
    with db.unit_of_work(org) as session:
        run = session.get(TaskRun, uuid.UUID(running["id"]))
        assert run is not None
        run.status = "running"
    asked = client.delete(f"/api/v1/tasks/{running['id']}", headers=admin.headers).json()
    assert asked["status"] == "running" and asked["cancel_requested"] is True
    with db.unit_of_work(org) as session:
        run = session.get(TaskRun, uuid.UUID(running["id"]))
        assert run is not None
        run.status = "pending"  # as if its worker died: the next claim honours the cancel
    assert runner.run(uuid.UUID(running["id"]), org).status == "cancelled"


def test_a_running_job_stops_at_its_next_progress_report_once_cancelled(
    settings: Settings, database: Database, owner_engine: Any
) -> None:
    steps: list[int] = []

    def long_job(context: JobContext, _args: NoArguments) -> dict[str, Any]:
        for step in range(1, 6):
            steps.append(step)
            if step == 2:  # a user cancels while the job runs
                cancel = client.delete(f"/api/v1/tasks/{context.run_id}", headers=admin.headers)
                assert cancel.json()["cancel_requested"] is True
            context.progress(step, 5)
        return {"steps": len(steps)}

    spec = JobSpec("test.long", NoArguments, long_job, "test")
    app = create_app(settings, database, jobs=catalog(spec))
    with TestClient(app) as client:
        admin = register(client)
        org = uuid.UUID(admin.organization_id)
        with database.unit_of_work(org) as session:
            run_id = new_run(session, spec, NoArguments(), max_retries=3).id
        assert runner_for(app).run(run_id, org).status == "cancelled"
        assert steps == [1, 2]
        task = get_task(client, admin, str(run_id))
        assert task["status"] == "cancelled" and task["progress"] == {"processed": 2, "total": 5}


def test_retry_endpoint_reruns_failed_tasks_and_refuses_others(
    client: TestClient, admin: Account
) -> None:
    failing = start_webhook(client, admin, "https://always-500.webhook.test/in")
    run_until_settled(runner_for(client.app), failing["id"], admin.organization_id)
    fine = start_webhook(client, admin, "https://hooks.example.com/in")
    refused = client.post(
        "/api/v1/tasks/retry", headers=admin.headers, json={"task_ids": [fine["id"]]}
    )
    assert refused.status_code == 409 and fine["id"] in refused.json()["detail"]
    retried = client.post(
        "/api/v1/tasks/retry", headers=admin.headers, json={"task_ids": [failing["id"]]}
    )
    assert retried.status_code == 202
    (new_task,) = retried.json()
    assert new_task["parent_id"] == failing["id"] and new_task["status"] == "pending"
    # Retrying a dead-lettered task used its one replay.
    entry = client.get("/api/v1/admin/dlq?replayed=true", headers=admin.headers).json()["items"]
    assert [e["replay_task_run_id"] for e in entry] == [new_task["id"]]
    assert (
        client.get("/api/v1/admin/dlq?replayed=false", headers=admin.headers).json()["total"] == 0
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"task_type": "nope", "arguments": {}}, "task_type"),
        ({"task_type": "webhook.deliver", "arguments": {"event_type": "x"}}, "arguments.url"),
        (
            {"task_type": "webhook.deliver", "arguments": {"url": "ftp://x", "event_type": "a"}},
            "arguments.url",
        ),
        ({"task_type": "email.send", "arguments": {"to": "not-an-email"}}, "arguments.to"),
        ({"task_type": "sms.send", "arguments": {"to": "call me", "body": "Hi"}}, "arguments.to"),
        ({"task_type": "sms.send", "arguments": {"to": "+1 415", "body": "Hi"}}, "arguments.to"),
        ({"task_type": "webhook.deliver", "arguments": {}, "organization_id": "x"}, "body."),
    ],
)
def test_bad_task_requests_are_422_naming_the_field(
    client: TestClient, admin: Account, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/tasks", headers=admin.headers, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"].startswith(field) for e in response.json()["errors"]), response.json()
    assert client.get("/api/v1/tasks", headers=admin.headers).json()["total"] == 0


def test_an_sms_number_written_the_usual_way_is_stored_as_e164(
    client: TestClient, admin: Account
) -> None:
    response = client.post(
        "/api/v1/tasks",
        headers=admin.headers,
        json={"task_type": "sms.send", "arguments": {"to": "(415) 555-0100", "body": "Hi"}},
    )
    assert response.status_code == 202, response.text
    assert response.json()["arguments"]["to"] == "+14155550100"


def test_task_types_are_documented_with_their_argument_schemas(
    client: TestClient, admin: Account
) -> None:
    types = client.get("/api/v1/tasks/types", headers=admin.headers).json()
    names = [t["task_type"] for t in types]
    assert "webhook.deliver" in names and "email.send" in names
    webhook = next(t for t in types if t["task_type"] == "webhook.deliver")
    assert "url" in webhook["arguments_schema"]["properties"]


def test_tasks_and_dead_letters_are_confined_to_their_organization(
    client: TestClient, admin: Account
) -> None:
    task = start_webhook(client, admin, "https://gone.webhook.test/in")
    run_until_settled(runner_for(client.app), task["id"], admin.organization_id)
    entry = client.get("/api/v1/admin/dlq", headers=admin.headers).json()["items"][0]
    other = register(client, "Other Realty")
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=other.headers).status_code == 404
    assert client.delete(f"/api/v1/tasks/{task['id']}", headers=other.headers).status_code == 404
    assert client.get("/api/v1/tasks", headers=other.headers).json()["total"] == 0
    assert client.get(f"/api/v1/admin/dlq/{entry['id']}", headers=other.headers).status_code == 404
    replay = client.post(f"/api/v1/admin/dlq/{entry['id']}/replay", headers=other.headers)
    assert replay.status_code == 404
    retry = client.post(
        "/api/v1/tasks/retry", headers=other.headers, json={"task_ids": [task["id"]]}
    )
    assert retry.status_code == 404


def test_only_admins_see_and_replay_the_dlq(client: TestClient, admin: Account) -> None:
    agent = add_member(client, admin, "agent")
    viewer = add_member(client, admin, "viewer")
    assert client.get("/api/v1/admin/dlq", headers=agent.headers).status_code == 403
    assert client.get("/api/v1/tasks", headers=viewer.headers).status_code == 200
    assert (
        client.post(
            "/api/v1/tasks", headers=viewer.headers, json={"task_type": "email.send"}
        ).status_code
        == 403
    )


def test_a_maintenance_run_that_fails_is_failed_not_dead_lettered(
    settings: Settings, database: Database, owner_engine: Any
) -> None:
    def broken(_context: JobContext, _args: NoArguments) -> dict[str, Any]:
        raise PermanentJobError("misconfigured")

    spec = JobSpec("test.housekeeping", NoArguments, broken, "test", dead_letter=False)
    app = create_app(settings, database, jobs=catalog(spec))
    with TestClient(app) as client:
        admin = register(client)
        org = uuid.UUID(admin.organization_id)
        with database.unit_of_work(org) as session:
            run_id = new_run(session, spec, NoArguments(), max_retries=3).id
        assert runner_for(app).run(run_id, org).status == "failed"
        assert client.get("/api/v1/admin/dlq", headers=admin.headers).json()["total"] == 0
        assert get_task(client, admin, str(run_id))["status"] == "failed"
