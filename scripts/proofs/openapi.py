"""OPENAPI_SPEC.json: the live spec, with unique operation ids."""

from __future__ import annotations

from proofs.harness import ProofContext, ProofResult

FILE = "OPENAPI_SPEC.json"


def run(ctx: ProofContext) -> ProofResult:
    spec = ctx.client.get("/api/v1/openapi.json").json()
    ctx.write_json(FILE, spec)
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    passed = len(ids) == len(set(ids)) and len(ids) > 0
    return ProofResult("openapi", FILE, passed, f"{len(ids)} operations, ids unique={passed}")
