"""DLQ_REPLAY_PROOF.txt: a webhook task fails, backs off, is dead-lettered, is replayed once the
subscriber is fixed, and its delivery lands exactly once.

The subscriber is a real HTTP server in this process that answers 500 until the proof "fixes"
it; the stack's worker delivers to it over HTTP (make proofs starts the worker with the HTTP
webhook adapter and loopback allowed). Every request's signature is verified here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .harness import ProofContext, ProofResult, check_lines

NAME = "dlq_replay"
FILE = "DLQ_REPLAY_PROOF.txt"
SETTLE_SECONDS = 90


@dataclass
class Subscriber:
    secret: str
    url: str = ""
    status: int = 500
    hits: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered(self, webhook_id: str) -> int:
        with self.lock:
            return sum(1 for h in self.hits if h["id"] == webhook_id and h["status"] < 300)


@contextmanager
def subscriber(secret: str) -> Iterator[Subscriber]:
    from providers.webhook import signing

    state = Subscriber(secret)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                signing.verify(headers, body, state.secret)
                verified = True
            except signing.WebhookVerificationError:
                verified = False
            with state.lock:
                status = state.status if verified else 401
                state.hits.append(
                    {
                        "at": time.monotonic(),
                        "id": headers.get("webhook-id", ""),
                        "status": status,
                        "verified": verified,
                    }
                )
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/reos"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _settle(ctx: ProofContext, auth: dict[str, str], task_id: str, *done: str) -> dict[str, Any]:
    deadline = time.monotonic() + SETTLE_SECONDS
    task: dict[str, Any] = {}
    while time.monotonic() < deadline:
        task = ctx.client.get(f"/api/v1/tasks/{task_id}", headers=auth).json()
        if task.get("status") in done:
            return task
        time.sleep(0.25)
    return task


def run(ctx: ProofContext) -> ProofResult:
    from providers.webhook.signing import generate_secret

    auth = ctx.bearer("admin")
    lines: list[str] = []
    with subscriber(generate_secret()) as hook:
        started = ctx.client.post(
            "/api/v1/tasks",
            headers=auth,
            json={
                "task_type": "webhook.deliver",
                "arguments": {
                    "url": hook.url,
                    "event_type": "lead.created",
                    "payload": {"lead": "proof"},
                    "secret": hook.secret,
                },
            },
        )
        task = started.json()
        lines.append(
            f"POST /api/v1/tasks webhook.deliver → {started.status_code} id={task.get('id')}"
        )
        dead = _settle(ctx, auth, task["id"], "dead_lettered", "succeeded", "failed")
        with hook.lock:
            gaps = [
                round(b["at"] - a["at"], 2) for a, b in zip(hook.hits, hook.hits[1:], strict=False)
            ]
        delays = [f["retry_in"] for f in dead.get("failures", [])]
        lines += [
            f"subscriber answering 500: task {dead.get('status')} after {dead.get('attempts')} "
            f"attempts",
            f"scheduled back-off (s): {delays[:-1]}  (base doubling, equal jitter)",
            f"observed gaps between deliveries (s): {gaps}",
            f"error: {dead.get('error')}",
        ]
        dlq = ctx.client.get("/api/v1/admin/dlq?replayed=false", headers=auth).json()
        entry = next((e for e in dlq.get("items", []) if e["task_run_id"] == task["id"]), {})
        lines.append(
            f"GET /api/v1/admin/dlq → entry {entry.get('id')} attempts={entry.get('attempts')} "
            f"first={entry.get('first_failed_at')} last={entry.get('last_failed_at')}"
        )

        hook.status = 200
        lines.append("subscriber fixed: it now answers 200")
        replay = ctx.client.post(f"/api/v1/admin/dlq/{entry.get('id')}/replay", headers=auth)
        replayed = replay.json().get("task", {})
        lines.append(
            f"POST /api/v1/admin/dlq/{{id}}/replay → {replay.status_code} "
            f"new task {replayed.get('id')}"
        )
        done = _settle(ctx, auth, replayed.get("id", ""), "succeeded", "dead_lettered", "failed")
        lines.append(f"replayed task: {done.get('status')} result={done.get('result')}")
        again = ctx.client.post(f"/api/v1/admin/dlq/{entry.get('id')}/replay", headers=auth)
        lines.append(f"second replay → {again.status_code} {again.json().get('detail')}")
        time.sleep(1.0)  # anything stray would have arrived by now
        webhook_id = f"msg_{task['id'].replace('-', '')}"
        with hook.lock:
            hits = list(hook.hits)
        delivered = hook.delivered(webhook_id)
        lines.append(
            f"at the subscriber: {len(hits)} requests for webhook-id {webhook_id}, "
            f"{delivered} answered 2xx, all signatures valid: {all(h['verified'] for h in hits)}"
        )
    checks = [
        ("task accepted (202)", started.status_code == 202),
        (
            "dead-lettered after 1 + 3 retries",
            dead.get("status") == "dead_lettered" and dead.get("attempts") == 4,
        ),
        (
            "back-off grows",
            len(delays) == 4 and delays[:3] == sorted(delays[:3]) and delays[0] < delays[2],
        ),
        ("DLQ entry recorded with the error", bool(entry) and "500" in str(entry.get("error"))),
        (
            "replay accepted (202) and linked",
            replay.status_code == 202 and replayed.get("parent_id") == task["id"],
        ),
        ("replayed task succeeded", done.get("status") == "succeeded"),
        ("second replay refused (409)", again.status_code == 409),
        ("side effect counted once at the subscriber", delivered == 1),
        (
            "every request carried a valid signature",
            bool(hits) and all(h["verified"] for h in hits),
        ),
    ]
    passed = all(ok for _, ok in checks)
    ctx.write(FILE, "\n".join(["DLQ replay proof", "", *lines, "", check_lines(checks)]))
    figure = f"{sum(ok for _, ok in checks)}/{len(checks)} checks; effect count {delivered}"
    return ProofResult(NAME, FILE, passed, figure)
