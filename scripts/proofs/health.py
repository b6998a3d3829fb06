"""HEALTHZ_RESPONSE.json: liveness and readiness of the running stack."""

from __future__ import annotations

from proofs.harness import ProofContext, ProofResult

FILE = "HEALTHZ_RESPONSE.json"


def run(ctx: ProofContext) -> ProofResult:
    healthz = ctx.client.get("/api/v1/healthz")
    readyz = ctx.client.get("/api/v1/readyz")
    ctx.write_json(
        FILE,
        {
            "healthz": {"status": healthz.status_code, "body": healthz.json()},
            "readyz": {"status": readyz.status_code, "body": readyz.json()},
        },
    )
    passed = healthz.status_code == 200 and healthz.json() == {"status": "ok"}
    passed = passed and readyz.status_code == 200
    checks = readyz.json().get("checks", {})
    figure = ", ".join(f"{name}={'ok' if c['ok'] else 'down'}" for name, c in checks.items())
    return ProofResult("health", FILE, passed, figure)
