"""SEED_LOG.txt (captured by run_proofs.sh): the demo seed twice; the second run creates nothing."""

from __future__ import annotations

import json
from typing import Any

from .harness import ProofContext, ProofResult
from .migrations import sections

NAME = "seed"
FILE = "SEED_LOG.txt"
NEEDS_DATABASE = True
RUNS = ("#1", "#2")
# What the demo seed promises (README, seed 004 §8.2).
EXPECTED = {
    "users": 4,
    "properties": 50,
    "leads": 20,
    "campaigns": 3,
}  # run_proofs.sh tags the two commands "# run #1" and "# run #2"


def _report(output: str) -> dict[str, Any] | None:
    """The seed's final JSON line ({"created": {...}, "existing": {...}}), if it printed one."""
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            try:
                report = json.loads(line)
            except ValueError:
                continue
            if isinstance(report, dict) and isinstance(report.get("created"), dict):
                return report
    return None


def run(ctx: ProofContext) -> ProofResult:
    path = ctx.pack_dir / FILE
    if not path.exists():
        return ProofResult(NAME, FILE, False, "not captured")
    logged = sections(path.read_text(), RUNS)
    if set(logged) != set(RUNS):
        return ProofResult(NAME, FILE, False, "expected two logged seed runs")
    failed = [run for run in RUNS if logged[run]["rc"] != "0"]
    first, second = (_report(logged[run]["output"]) for run in RUNS)
    created = [sum(r["created"].values()) if r else None for r in (first, second)]
    present: dict[str, int] = {}
    if second:
        for bucket in ("created", "existing"):
            for kind, count in second.get(bucket, {}).items():
                present[kind] = present.get(kind, 0) + count
    shortfall = {k: present.get(k, 0) for k, v in EXPECTED.items() if present.get(k, 0) != v}
    passed = not failed and second is not None and created[1] == 0 and not shortfall
    figure = ", ".join(
        f"run {n}: " + ("exit " + logged[run]["rc"] if c is None else f"created {c}")
        for n, (run, c) in enumerate(zip(RUNS, created, strict=True), start=1)
    )
    notes = [f"exited non-zero: {', '.join(f'run {run}' for run in failed)}"] if failed else []
    if present:
        notes.append("present: " + ", ".join(f"{k} {v}" for k, v in sorted(present.items())))
    if shortfall:
        notes.append(f"expected {EXPECTED}, found {shortfall}")
    detail = "; ".join(notes)
    return ProofResult(NAME, FILE, passed, figure, detail)
