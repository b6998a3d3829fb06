"""IDEMPOTENCY_PROOF.txt: a reused Idempotency-Key replays the first response byte for byte and
creates one row, even when the duplicates race."""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from .harness import ProofContext, ProofResult, check_lines

NAME = "idempotency"
FILE = "IDEMPOTENCY_PROOF.txt"
RACERS = 8


def _new_user() -> dict[str, str]:
    return {
        "email": f"idem-{uuid.uuid4().hex[:8]}@demo.reos.example",
        "full_name": "Idempotency Proof",
        "role": "agent",
        "password": "ProofPass123!",
    }


def _total(ctx: ProofContext, auth: dict[str, str]) -> int:
    response = ctx.client.get("/api/v1/users", params={"page_size": 100}, headers=auth)
    response.raise_for_status()
    total: int = response.json()["total"]
    return total


def _sha256(response: httpx.Response) -> str:
    return hashlib.sha256(response.content).hexdigest()


def _race(ctx: ProofContext, auth: dict[str, str], key: str, body: dict[str, str]) -> list[str]:
    """RACERS identical POSTs released together; each outcome as "201", "201 replay" or "409"."""
    start = threading.Barrier(RACERS)

    def send(_: int) -> str:
        # One connection per thread, opened before the barrier so the requests really overlap.
        with httpx.Client(base_url=ctx.base_url, timeout=30) as client:
            client.get("/api/v1/healthz")
            start.wait(timeout=30)
            response = client.post(
                "/api/v1/users", headers={**auth, "Idempotency-Key": key}, json=body
            )
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        return f"{response.status_code}{' replay' if replayed else ''}"

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(send, range(RACERS)))


def run(ctx: ProofContext) -> ProofResult:
    auth = ctx.bearer("admin")
    before = _total(ctx, auth)
    key, body = f"proof-{uuid.uuid4()}", _new_user()
    headers = {**auth, "Idempotency-Key": key}
    first = ctx.client.post("/api/v1/users", headers=headers, json=body)
    second = ctx.client.post("/api/v1/users", headers=headers, json=body)
    after = _total(ctx, auth)
    mismatch = ctx.client.post("/api/v1/users", headers=headers, json=_new_user())

    race_key, race_body = f"proof-{uuid.uuid4()}", _new_user()
    outcomes = _race(ctx, auth, race_key, race_body)
    after_race = _total(ctx, auth)
    tally = dict(sorted(Counter(outcomes).items()))

    checks = [
        ("first request 201", first.status_code == 201),
        ("second request 201", second.status_code == 201),
        ("bodies byte-identical (sha256)", _sha256(first) == _sha256(second)),
        (
            "second has Idempotent-Replayed: true",
            second.headers.get("Idempotent-Replayed") == "true",
        ),
        (f"users total {before} → {after}: one created", after == before + 1),
        (
            "same key, other body → 422 application/problem+json",
            mismatch.status_code == 422
            and mismatch.headers.get("content-type", "").startswith("application/problem+json"),
        ),
        (
            f"{RACERS} racing duplicates: only 201 (original or replay) or 409",
            all(o in {"201", "201 replay", "409"} for o in outcomes),
        ),
        (f"{RACERS} racing duplicates: exactly one original", outcomes.count("201") == 1),
        (f"users total {after} → {after_race}: one created by the race", after_race == after + 1),
    ]
    report = [
        f"POST /api/v1/users with Idempotency-Key: {key}",
        f"body: {body | {'password': '…'}}",
        f"first:  {first.status_code} sha256={_sha256(first)}",
        f"second: {second.status_code} sha256={_sha256(second)} "
        f"Idempotent-Replayed: {second.headers.get('Idempotent-Replayed')}",
        f"users total (GET /api/v1/users?page_size=100): {before} before, {after} after",
        "",
        f"same key, another body: {mismatch.status_code} "
        f"{mismatch.headers.get('content-type', '')}",
        mismatch.text,
        "",
        f"race: {RACERS} threads, Idempotency-Key: {race_key}, email {race_body['email']}",
        f"outcomes: {tally}",
        f"users total: {after} before, {after_race} after",
        "",
        check_lines(checks),
    ]
    ctx.write(FILE, "\n".join(report))
    passed = all(ok for _, ok in checks)
    race = ", ".join(f"{n}× {outcome}" for outcome, n in tally.items())
    figure = f"replay identical={_sha256(first) == _sha256(second)}; race: {race}"
    return ProofResult(NAME, FILE, passed, figure)
