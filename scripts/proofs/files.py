"""Proofs over files the start-up script captured: MIGRATION_HISTORY.txt and SEED_LOG.txt."""

from __future__ import annotations

import json

from proofs.harness import ProofContext, ProofResult


def migration_history(ctx: ProofContext) -> ProofResult:
    path = ctx.pack_dir / "MIGRATION_HISTORY.txt"
    if not path.exists():
        return ProofResult("migration_history", path.name, False, "not captured")
    history, _, current = path.read_text().partition("current:")
    heads = history.count("(head)")
    current_is_head = "(head)" in current
    passed = heads == 1 and current_is_head
    return ProofResult(
        "migration_history", path.name, passed, f"one head={heads == 1}, at head={current_is_head}"
    )


def seed_log(ctx: ProofContext) -> ProofResult:
    path = ctx.pack_dir / "SEED_LOG.txt"
    if not path.exists():
        return ProofResult("seed", path.name, False, "not captured")
    reports = [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
    if len(reports) < 2:
        return ProofResult("seed", path.name, False, "expected the JSON summary of two runs")
    first, second = reports[0], reports[-1]
    present = {**first["created"], **first["existing"]}
    passed = (
        second["created"] == {}
        and present.get("properties") == 50
        and present.get("users") == 4
        and present.get("leads") == 20
        and present.get("campaigns") == 3
    )
    rerun = sum(second["created"].values())
    properties, users = present.get("properties"), present.get("users")
    figure = f"{properties} properties, {users} users; rerun created {rerun}"
    return ProofResult("seed", path.name, passed, figure)
