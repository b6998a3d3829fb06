"""A real Celery worker process against Redis and RabbitMQ: delivery, retries into the DLQ,
replay, and a worker killed with SIGKILL in the middle of a task."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from kombu import Connection
from sqlalchemy import func, select

from reos.core.celery_app import DLQ, task_queues
from reos.core.db import Database
from reos.core.settings import Settings
from reos.models import OutboxMessage
from tests.conftest import Account, make_app, register
from tests.jobs_support import Subscriber, subscriber, wait_for
from tests.services import AMQP_URL, need_rabbitmq, need_redis

# Redis database 13 is this suite's own; the other suites use 15.
BROKERS = {"redis": "redis://127.0.0.1:6379/13", "rabbitmq": AMQP_URL}
CELERY = str(Path(sys.executable).with_name("celery"))


def purge(url: str) -> None:
    with Connection(url) as connection:
        channel = connection.default_channel
        for queue in task_queues(url):
            bound = queue(channel)
            bound.declare()
            bound.purge()


def queue_length(url: str, name: str) -> int:
    with Connection(url) as connection:
        (queue,) = [q for q in task_queues(url) if q.name == name]
        _, count, _ = queue(connection.default_channel).queue_declare(passive=True)
        return int(count)


@pytest.fixture(params=sorted(BROKERS))
def broker(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        need_redis()
    else:
        need_rabbitmq()
    url = BROKERS[request.param]
    purge(url)
    return url


class Worker:
    """`celery worker` in its own process group, so SIGKILL takes all of it at once."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "reos.worker:celery",
                "worker",
                "-Q",
                "high_priority,default,low_priority",
                "--pool",
                "solo",
                "-l",
                "WARNING",
                "--without-mingle",
                "--without-gossip",
            ],
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill9(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def worker_env(settings: Settings, broker: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "VAR_DIR": str(settings.var_dir),
        "DB_DSN": settings.db_dsn,
        "CELERY_BROKER_URL": broker,
        "LOG_LEVEL": "WARNING",
        "WEBHOOK_PROVIDER": "http",
        "WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "TASK_RETRY_BACKOFF_SECONDS": "0.2",
        "TASK_HEARTBEAT_SECONDS": "0.5",
    }
    env.update(extra)
    return env


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


@pytest.fixture
def api(
    settings: Settings, database: Database, owner_engine: Any, broker: str
) -> Iterator[TestClient]:
    app = make_app(
        settings,
        database,
        celery_broker_url=broker,
        webhook_provider="http",
        webhook_allow_hosts=["127.0.0.1"],
    )
    with TestClient(app) as client:
        yield client


def task_status(client: TestClient, account: Account, task_id: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/v1/tasks/{task_id}", headers=account.headers).json()
    return body


def settled(client: TestClient, account: Account, task_id: str, *statuses: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        task = task_status(client, account, task_id)
        return task if task["status"] in statuses else None

    result: dict[str, Any] = wait_for(check, timeout=60, interval=0.2)
    return result


def test_a_worker_retries_into_the_dlq_and_a_replay_delivers_exactly_once(
    api: TestClient,
    settings: Settings,
    broker: str,
    workers: list[Worker],
    tmp_path: Path,
) -> None:
    with subscriber(status=500) as hook:
        workers.append(Worker(worker_env(settings, broker), tmp_path / "worker.log").start())
        admin = register(api)
        task = start(api, admin, hook)
        dead = settled(api, admin, task["id"], "dead_lettered")
        assert dead["attempts"] == 4 and hook.attempts() == 4
        delays = [failure["retry_in"] for failure in dead["failures"][:3]]
        assert delays == sorted(delays)
        # The broker holds the dead letter too (on RabbitMQ through the dead-letter exchange).
        wait_for(lambda: queue_length(broker, DLQ) == 1, timeout=10)

        hook.status = 200
        entry = api.get("/api/v1/admin/dlq", headers=admin.headers).json()["items"][0]
        replay = api.post(f"/api/v1/admin/dlq/{entry['id']}/replay", headers=admin.headers)
        assert replay.status_code == 202
        replayed = settled(api, admin, replay.json()["task"]["id"], "succeeded")
        assert replayed["result"]["status_code"] == 200
        assert hook.delivered_ids() == [f"msg_{uuid.UUID(task['id']).hex}"]
        again = api.post(f"/api/v1/admin/dlq/{entry['id']}/replay", headers=admin.headers)
        assert again.status_code == 409
        time.sleep(1)  # nothing else arrives
        assert len(hook.delivered_ids()) == 1


def start(api: TestClient, admin: Account, hook: Subscriber) -> dict[str, Any]:
    response = api.post(
        "/api/v1/tasks",
        headers=admin.headers,
        json={
            "task_type": "webhook.deliver",
            "arguments": {"url": hook.url, "event_type": "lead.created", "payload": {"n": 1}},
        },
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_worker_killed_mid_task_is_replaced_and_the_task_completes_exactly_once(
    api: TestClient,
    settings: Settings,
    database: Database,
    broker: str,
    workers: list[Worker],
    tmp_path: Path,
) -> None:
    # The mock email vendor takes 3 s to accept a message: the worker is killed inside that call.
    # Redis gives an unacknowledged message back after the visibility timeout, kept short here.
    env = worker_env(settings, broker, MOCK_LATENCY_MS="3000", TASK_VISIBILITY_TIMEOUT_SECONDS="3")
    first = Worker(env, tmp_path / "first.log").start()
    workers.append(first)
    admin = register(api)
    recipient = f"chaos-{uuid.uuid4().hex[:8]}@example.com"
    response = api.post(
        "/api/v1/tasks",
        headers=admin.headers,
        json={
            "task_type": "email.send",
            "arguments": {"to": recipient, "subject": "Hello", "text": "Hi there"},
        },
    )
    assert response.status_code == 202
    task_id = response.json()["id"]
    settled(api, admin, task_id, "running")
    time.sleep(0.5)
    first.kill9()

    def sent() -> int:
        with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.recipient == recipient)
                )
                or 0
            )

    assert sent() == 0
    assert task_status(api, admin, task_id)["status"] == "running"  # orphaned, not lost

    workers.append(Worker(env, tmp_path / "second.log").start())
    done = settled(api, admin, task_id, "succeeded", "dead_lettered", "failed")
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 2  # the killed attempt and the one that completed
    assert sent() == 1
