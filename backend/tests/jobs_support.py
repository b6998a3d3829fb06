"""Helpers for background-task tests: a webhook subscriber whose health the test controls, a
look into the broker's queues, and a runner that plays the worker in-process."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kombu import Connection

from reos.core.celery_app import broker_url
from reos.core.settings import Settings
from reos.jobs.runner import JobRunner, Outcome


@dataclass
class Subscriber:
    """An HTTP webhook receiver: answers `status` (500 until the test "fixes" it) and keeps
    every request's `webhook-id`, so effects are counted where they land."""

    url: str = ""
    status: int = 200
    received: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered_ids(self) -> list[str]:
        with self.lock:
            return [webhook_id for webhook_id, status in self.received if status < 300]

    def attempts(self) -> int:
        with self.lock:
            return len(self.received)


@contextmanager
def subscriber(status: int = 200) -> Iterator[Subscriber]:
    state = Subscriber(status=status)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            with state.lock:
                answer = state.status
                state.received.append((self.headers.get("webhook-id", ""), answer))
            self.send_response(answer)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def queued_task_ids(settings: Settings, queue: str) -> list[str]:
    """Take every message off `queue` and return the task ids they carry."""
    ids = []
    with Connection(broker_url(settings)) as connection:
        simple = connection.SimpleQueue(queue)
        try:
            while True:
                try:
                    message = simple.get(block=True, timeout=0.2)
                except simple.Empty:
                    break
                ids.append(str(message.headers.get("id")))
                message.ack()
        finally:
            simple.close()
    return ids


def runner_for(app: Any, seed: int = 7) -> JobRunner:
    services = app.state.container
    return JobRunner(
        services.settings,
        services.database,
        services.providers,
        services.jobs,
        rng=random.Random(seed),
        redis_client=services.redis,
    )


def run_until_settled(
    runner: JobRunner, run_id: str | uuid.UUID, organization_id: str | uuid.UUID, limit: int = 10
) -> list[Outcome]:
    """Play the worker: run, and run again whenever the outcome asks for a retry."""
    outcomes = []
    for _ in range(limit):
        outcome = runner.run(uuid.UUID(str(run_id)), uuid.UUID(str(organization_id)))
        outcomes.append(outcome)
        if outcome.status not in {"retry", "deferred"}:
            break
    return outcomes


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
