"""STATIC_SNAPSHOT.txt: size of the code base, models, endpoints and tests at this commit."""

from __future__ import annotations

import re
from pathlib import Path

from .harness import ProofContext, ProofResult, git_commit, operations

SPECIFIED_MODELS = 35
NAME = "static_snapshot"
FILE = "STATIC_SNAPSHOT.txt"
AREAS = ("backend/reos", "providers", "backend/tests", "scripts", "frontend")
LANGUAGES = {".py": "python", ".ts": "typescript", ".tsx": "typescript"}
SKIP_PARTS = {"node_modules", ".next", "__pycache__", "dist", "build"}
TEST_FUNCTION = re.compile(r"^\s*(?:async\s+)?def test_", re.M)


def _sources(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if p.suffix in LANGUAGES and p.is_file() and not SKIP_PARTS & set(p.parts)
    )


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8", errors="replace").splitlines())


def _models() -> tuple[str, list[str]]:
    """Where the count comes from, and the models: ALL_MODELS, or else every mapped class."""
    import reos.models

    listed = getattr(reos.models, "ALL_MODELS", None)
    if listed is not None:
        return "reos.models.ALL_MODELS", [f"{m.__name__} ({m.__tablename__})" for m in listed]
    from reos.core.db import Base

    mapped = sorted((m.class_ for m in Base.registry.mappers), key=lambda c: c.__name__)
    return "mapped classes of Base.registry", [
        f"{cls.__name__} ({getattr(cls, '__tablename__', '-')})" for cls in mapped
    ]


def run(ctx: ProofContext) -> ProofResult:
    lines = [f"commit: {git_commit(ctx.repo_dir)}", ""]
    lines.append(f"{'area':<16} {'language':<11} {'files':>6} {'lines':>8}")
    total_files = total_lines = 0
    for area in AREAS:
        by_language: dict[str, tuple[int, int]] = {}
        for path in _sources(ctx.repo_dir / area):
            files, count = by_language.get(LANGUAGES[path.suffix], (0, 0))
            by_language[LANGUAGES[path.suffix]] = (files + 1, count + _line_count(path))
        for language, (files, count) in sorted(by_language.items()) or [("-", (0, 0))]:
            lines.append(f"{area:<16} {language:<11} {files:6d} {count:8d}")
            total_files, total_lines = total_files + files, total_lines + count
    lines.append(f"{'total':<16} {'':<11} {total_files:6d} {total_lines:8d}")

    source, models = _models()
    response = ctx.client.get("/api/v1/openapi.json")
    response.raise_for_status()
    endpoints = sorted(f"{method:<7} {path}" for method, path, _ in operations(response.json()))
    test_files = [p for p in _sources(ctx.repo_dir / "backend/tests") if p.suffix == ".py"]
    tests = sum(len(TEST_FUNCTION.findall(p.read_text(errors="replace"))) for p in test_files)
    lines += [
        "",
        f"models: {len(models)} (from {source})",
        *(f"  {m}" for m in models),
        "",
        f"endpoints: {len(endpoints)} (paths × methods of the live OpenAPI document)",
        *(f"  {e}" for e in endpoints),
        "",
        f"test functions: {tests} (`def test_` in {len(test_files)} files under backend/tests)",
    ]
    ctx.write(FILE, "\n".join(lines))
    figure = f"{total_lines} lines, {len(models)} models, {len(endpoints)} endpoints, "
    figure += f"{tests} tests"
    # The platform specification names 35 models; fewer means one went missing.
    passed = len(models) >= SPECIFIED_MODELS and bool(endpoints) and tests > 0
    return ProofResult(NAME, FILE, passed, figure)
