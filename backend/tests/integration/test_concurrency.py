"""Concurrent duplicates against a real server: one Idempotency-Key, exactly one row."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn

from tests.conftest import DEMO_PASSWORD


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_url(app: Any) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_concurrent_duplicates_create_exactly_one_row(live_url: str) -> None:
    with httpx.Client(base_url=live_url, timeout=30) as client:
        email = f"race-{uuid.uuid4().hex[:8]}@acme.example"
        registered = client.post(
            "/api/v1/auth/register",
            json={
                "email": email,
                "password": DEMO_PASSWORD,
                "full_name": "Race Owner",
                "organization_name": "Race Realty",
            },
        )
        assert registered.status_code == 201
        token = client.post(
            "/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD}
        ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "race-key"}
    body = {
        "email": "racer@acme.example",
        "full_name": "Racer",
        "role": "agent",
        "password": DEMO_PASSWORD,
    }

    def send(_: int) -> tuple[int, bool]:
        with httpx.Client(base_url=live_url, timeout=30) as client:
            response = client.post("/api/v1/users", headers=headers, json=body)
            return response.status_code, response.headers.get("Idempotent-Replayed") == "true"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(send, range(8)))
    tally = Counter(status for status, _ in outcomes)
    assert set(tally) <= {201, 409}, tally
    originals = [o for o in outcomes if o == (201, False)]
    assert len(originals) == 1, outcomes
    with httpx.Client(base_url=live_url, timeout=30) as client:
        users = client.get("/api/v1/users", headers={"Authorization": headers["Authorization"]})
        assert [u["email"] for u in users.json()["items"]].count("racer@acme.example") == 1
        replay = client.post("/api/v1/users", headers=headers, json=body)
        assert replay.status_code == 201
        assert replay.headers["Idempotent-Replayed"] == "true"
