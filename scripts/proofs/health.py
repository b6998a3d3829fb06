"""HEALTHZ_RESPONSE.json: liveness and readiness of the running stack."""

from __future__ import annotations

from typing import Any

import httpx

from .harness import ProofContext, ProofResult

NAME = "health"
FILE = "HEALTHZ_RESPONSE.json"


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:  # a proxy's HTML error page must still land in the evidence
        return response.text


def run(ctx: ProofContext) -> ProofResult:
    healthz = ctx.client.get("/api/v1/healthz")
    readyz = ctx.client.get("/api/v1/readyz")
    health_body, ready_body = _body(healthz), _body(readyz)
    ctx.write_json(
        FILE,
        {"healthz": health_body, "readyz": {"status": readyz.status_code, "body": ready_body}},
    )
    passed = healthz.status_code == 200 and health_body == {"status": "ok"}
    passed = passed and readyz.status_code == 200
    checks = ready_body.get("checks", {}) if isinstance(ready_body, dict) else {}
    down = [name for name, check in checks.items() if not check.get("ok")]
    figure = f"healthz {healthz.status_code}, readyz {readyz.status_code}; {len(checks)} checks"
    figure += f", down: {', '.join(down)}" if down else ", all ok"
    return ProofResult(NAME, FILE, passed, figure)
