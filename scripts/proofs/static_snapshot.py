"""STATIC_SNAPSHOT.txt: size of the code base, models, endpoints and tests at this commit."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from proofs.harness import ProofContext, ProofResult

FILE = "STATIC_SNAPSHOT.txt"
AREAS = ("backend/reos", "providers", "backend/tests", "backend/alembic", "scripts", "frontend")
SOURCE_SUFFIXES = {".py", ".ts", ".tsx", ".js", ".sh"}
SKIP_PARTS = {"node_modules", ".next", "__pycache__"}


def _sources(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix in SOURCE_SUFFIXES and not SKIP_PARTS & set(p.parts)
    ]


def _git_commit(repo: Path) -> str:
    result = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "uncommitted"


def run(ctx: ProofContext) -> ProofResult:
    from reos.models import ALL_MODELS

    lines = [f"commit: {_git_commit(ctx.repo_dir)}", "", "area                 files    lines"]
    total_files = total_lines = 0
    for area in AREAS:
        files = _sources(ctx.repo_dir / area)
        count = sum(len(p.read_text(errors="replace").splitlines()) for p in files)
        total_files, total_lines = total_files + len(files), total_lines + count
        lines.append(f"{area:<20} {len(files):5d} {count:8d}")
    lines.append(f"{'total':<20} {total_files:5d} {total_lines:8d}")
    spec = ctx.client.get("/api/v1/openapi.json").json()
    endpoints = sorted(
        f"{method.upper():6} {path}" for path, item in spec["paths"].items() for method in item
    )
    tests = sum(
        len(re.findall(r"^\s*(?:async )?def test_", p.read_text(), re.M))
        for p in _sources(ctx.repo_dir / "backend/tests")
        if p.suffix == ".py"
    )
    lines += [
        "",
        f"models: {len(ALL_MODELS)}",
        *(f"  {m.__name__} ({m.__tablename__})" for m in ALL_MODELS),
        "",
        f"endpoints: {len(endpoints)}",
        *(f"  {e}" for e in endpoints),
        "",
        f"test functions: {tests}",
    ]
    ctx.write(FILE, "\n".join(lines))
    figure = f"{len(ALL_MODELS)} models, {len(endpoints)} endpoints, {tests} tests"
    return ProofResult("static_snapshot", FILE, len(ALL_MODELS) == 35 and tests > 0, figure)
