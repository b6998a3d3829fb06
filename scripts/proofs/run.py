"""Run every registered proof against a running stack and write the evidence pack.

Usage (from the repository root): python -m scripts.proofs.run --pack DIR --base-url URL
A proof is added by writing its module (NAME, FILE, run(ctx) -> ProofResult) and listing the
module in PROOFS below.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

import httpx

from . import pack
from .harness import Proof, ProofContext, ProofResult, load

REPO = Path(__file__).resolve().parents[2]

# The one list of proofs, in running order (module names in this package).
PROOFS = (
    "health",
    "openapi",
    "migrations",
    "seed",
    "login",
    "security_headers",
    "idempotency",
    "provider_round_trips",
    "dlq_replay",
    "rate_limit",  # last among the HTTP proofs: it spends the viewer's whole window
    "static_snapshot",
    "test_results",
)


def _failure(ctx: ProofContext, name: str, file: str, exc: Exception) -> ProofResult:
    """A proof that raised: failed, with its traceback kept next to the evidence."""
    (ctx.pack_dir / f"{name}.error.txt").write_text(traceback.format_exc())
    detail = "".join(traceback.format_exception_only(exc)).strip()
    return ProofResult(name, file, False, "error", detail)


def run_all(
    ctx: ProofContext, skip: set[str], captures: bool = True
) -> tuple[list[ProofResult], list[str]]:
    results, skipped = [], []
    for module in PROOFS:
        proof: Proof | None = None
        try:
            proof = load(module)
            if skip & {module, proof.name} or (proof.needs_database and not captures):
                skipped.append(proof.name)
                print(f"  SKIP  {proof.name}", flush=True)
                continue
            result = proof.run(ctx)
        except Exception as exc:  # one broken proof must not hide the others
            result = _failure(
                ctx, proof.name if proof else module, proof.file if proof else "", exc
            )
        results.append(result)
        line = f"  {'PASS' if result.passed else 'FAIL'}  {result.name:<18} {result.figure}"
        print(line[:118], flush=True)
    return results, skipped


def _database(client: httpx.Client) -> str:
    """sqlite or postgresql, as the stack itself reports it in /readyz."""
    try:
        detail = str(client.get("/api/v1/readyz").json()["checks"]["database"]["detail"])
    except Exception as exc:
        return f"unknown ({type(exc).__name__})"
    for name in ("sqlite", "postgresql"):
        if name in detail.lower():
            return name
    return f"unknown ({detail})"  # e.g. "unreachable: OperationalError"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", required=True, type=Path, help="the pack directory to write")
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument(
        "--skip",
        default=os.environ.get("PROOFS_SKIP", ""),
        help="comma-separated proofs not to run (default: $PROOFS_SKIP)",
    )
    parser.add_argument(
        "--no-captures",
        action="store_true",
        help="the stack's database is not this environment's: skip the proofs that read what "
        "run_proofs.sh captured from it (migrations, seed)",
    )
    parser.add_argument(
        "--reseal-later",
        action="store_true",
        help="the caller stops the API, then runs `python -m scripts.proofs.pack DIR`",
    )
    args = parser.parse_args(argv)
    pack_dir = args.pack.resolve()
    pack_dir.mkdir(parents=True, exist_ok=True)
    base_url = args.base_url.rstrip("/")
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    print(f"==> proofs against {base_url}", flush=True)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        ctx = ProofContext(base_url, pack_dir, REPO, client)
        results, skipped = run_all(ctx, skip, captures=not args.no_captures)
        database = _database(client)
    # Written now as well, so the pack is complete even if the caller never reseals it.
    manifest = pack.write_pack(pack_dir, REPO, base_url, database, results, skipped)
    if not args.reseal_later:
        print(pack.summary(pack_dir, manifest))
    return 0 if manifest["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
