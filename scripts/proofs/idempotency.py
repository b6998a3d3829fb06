"""IDEMPOTENCY_PROOF.txt: a reused Idempotency-Key replays byte-identical responses and creates
one row, even when the duplicates race."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from proofs.harness import ProofContext, ProofResult, check_lines

FILE = "IDEMPOTENCY_PROOF.txt"


def _member(tag: str) -> dict[str, str]:
    return {
        "email": f"idem-{tag}-{uuid.uuid4().hex[:8]}@demo.reos.example",
        "full_name": "Idempotency Proof",
        "role": "agent",
        "password": "ProofPass123!",
    }


def _total(ctx: ProofContext, headers: dict[str, str]) -> int:
    total: int = ctx.client.get("/api/v1/users", headers=headers).json()["total"]
    return total


def run(ctx: ProofContext) -> ProofResult:
    auth = ctx.bearer("admin")
    before = _total(ctx, auth)
    key = f"proof-{uuid.uuid4()}"
    body = _member("seq")
    first = ctx.client.post("/api/v1/users", headers={**auth, "Idempotency-Key": key}, json=body)
    second = ctx.client.post("/api/v1/users", headers={**auth, "Idempotency-Key": key}, json=body)
    after = _total(ctx, auth)
    mismatch = ctx.client.post(
        "/api/v1/users", headers={**auth, "Idempotency-Key": key}, json=_member("other")
    )
    digest_1 = hashlib.sha256(first.content).hexdigest()
    digest_2 = hashlib.sha256(second.content).hexdigest()

    race_key, race_body = f"race-{uuid.uuid4()}", _member("race")

    def send(_: int) -> tuple[int, str | None]:
        with httpx.Client(base_url=ctx.base_url, timeout=30) as client:
            response = client.post(
                "/api/v1/users", headers={**auth, "Idempotency-Key": race_key}, json=race_body
            )
            return response.status_code, response.headers.get("Idempotent-Replayed")

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(send, range(8)))
    after_race = _total(ctx, auth)
    tally = Counter(f"{status}{' (replay)' if replayed else ''}" for status, replayed in outcomes)
    originals = sum(1 for status, replayed in outcomes if status == 201 and not replayed)

    checks = [
        ("first request 201", first.status_code == 201),
        ("second request 201", second.status_code == 201),
        ("bodies byte-identical (sha256)", digest_1 == digest_2),
        (
            "second marked Idempotent-Replayed: true",
            second.headers.get("Idempotent-Replayed") == "true",
        ),
        ("exactly one user created", after == before + 1),
        ("same key, other body → 422", mismatch.status_code == 422),
        ("8 racing duplicates → one original", originals == 1),
        ("racing duplicates only 201 or 409", {s for s, _ in outcomes} <= {201, 409}),
        ("racing duplicates created one user", after_race == after + 1),
    ]
    report = [
        f"key: {key}",
        f"first:  {first.status_code} sha256={digest_1}",
        f"second: {second.status_code} sha256={digest_2} "
        f"Idempotent-Replayed={second.headers.get('Idempotent-Replayed')}",
        f"users before/after: {before} → {after}",
        f"mismatched body: {mismatch.status_code} {mismatch.text}",
        f"race (8 threads, key {race_key}): {dict(tally)}; users {after} → {after_race}",
        "",
        check_lines(checks),
    ]
    ctx.write(FILE, "\n".join(report))
    passed = all(ok for _, ok in checks)
    return ProofResult(
        "idempotency", FILE, passed, f"replay identical={digest_1 == digest_2}, race {dict(tally)}"
    )
