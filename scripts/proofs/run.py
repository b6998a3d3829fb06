"""Run every registered proof against a running stack and write the evidence pack.

Usage: python -m proofs.run --pack DIR --base-url URL   (with scripts/ on PYTHONPATH)
A later proof is added by writing its module and listing its function in PROOFS.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

import httpx

from proofs import (
    files,
    health,
    idempotency,
    login,
    openapi,
    provider_round_trips,
    rate_limit,
    security_headers,
    static_snapshot,
    test_results,
)
from proofs.harness import Proof, ProofContext, ProofResult
from proofs.pack import write_pack

REPO = Path(__file__).resolve().parents[2]

PROOFS: list[tuple[str, str, Proof]] = [
    ("health", "HEALTHZ_RESPONSE.json", health.run),
    ("openapi", "OPENAPI_SPEC.json", openapi.run),
    ("migration_history", "MIGRATION_HISTORY.txt", files.migration_history),
    ("seed", "SEED_LOG.txt", files.seed_log),
    ("login", "LOGIN_PROOF.json", login.run),
    ("security_headers", "SECURITY_HEADERS_PROOF.txt", security_headers.run),
    ("idempotency", "IDEMPOTENCY_PROOF.txt", idempotency.run),
    ("providers", "PROVIDERS_PROOF.txt", provider_round_trips.run),
    # Last among the HTTP proofs: it spends the viewer's whole rate-limit window.
    ("rate_limit", "RATE_LIMIT_PROOF.txt", rate_limit.run),
    ("static_snapshot", "STATIC_SNAPSHOT.txt", static_snapshot.run),
    ("tests", "TEST_RESULTS.xml", test_results.run),
]


def run_all(ctx: ProofContext, skip: set[str]) -> list[ProofResult]:
    results = []
    for name, file, proof in PROOFS:
        if name in skip:
            print(f"  SKIP  {name:<18} (the stack's database is not this environment's)")
            continue
        try:
            result = proof(ctx)
        except Exception as exc:  # one broken proof must not hide the others
            detail = "".join(traceback.format_exception_only(exc)).strip()
            (ctx.pack_dir / f"{name}.error.txt").write_text(traceback.format_exc())
            result = ProofResult(name, file, False, "error", detail)
        results.append(result)
        print(f"  {'PASS' if result.passed else 'FAIL'}  {name:<18} {result.figure}", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pack", required=True, type=Path)
    parser.add_argument("--base-url", required=True)
    args = parser.parse_args()
    args.pack.mkdir(parents=True, exist_ok=True)
    with httpx.Client(base_url=args.base_url, timeout=30) as client:
        ctx = ProofContext(args.base_url, args.pack, REPO, client)
        skip = {n for n in os.environ.get("PROOFS_SKIP", "").split(",") if n}
        results = run_all(ctx, skip)
        ready = client.get("/api/v1/readyz").json()
    database = ready.get("checks", {}).get("database", {}).get("detail", "unknown")
    manifest = write_pack(args.pack, REPO, args.base_url, database, results, sorted(skip))
    failed = [r.name for r in results if not r.passed]
    print(f"\nEvidence pack: {args.pack}")
    print("All proofs passed." if not failed else f"FAILED: {', '.join(failed)}")
    return 0 if manifest["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
