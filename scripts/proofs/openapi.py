"""OPENAPI_SPEC.json: the live spec, in which every operation has its own operationId."""

from __future__ import annotations

from collections import Counter

from .harness import ProofContext, ProofResult, operations

NAME = "openapi"
FILE = "OPENAPI_SPEC.json"


def run(ctx: ProofContext) -> ProofResult:
    response = ctx.client.get("/api/v1/openapi.json")
    response.raise_for_status()
    spec = response.json()
    ctx.write_json(FILE, spec, sort_keys=False)  # the document as served, key order included
    ops = operations(spec)
    ids = Counter(op.get("operationId") for _, _, op in ops)
    missing = [f"{method} {path}" for method, path, op in ops if not op.get("operationId")]
    duplicates = sorted(str(i) for i, n in ids.items() if i and n > 1)
    passed = bool(ops) and not missing and not duplicates
    detail = "; ".join(
        part
        for part in (
            f"without operationId: {', '.join(missing)}" if missing else "",
            f"duplicated: {', '.join(duplicates)}" if duplicates else "",
        )
        if part
    )
    figure = f"{len(ops)} operations, {len([i for i in ids if i])} distinct operationIds"
    return ProofResult(NAME, FILE, passed, figure, detail)
