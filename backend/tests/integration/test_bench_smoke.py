"""The benchmark harness runs end to end (tiny sizes; the figures themselves are not checked:
speed is measured by `make bench`, never asserted in tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.services import PG_ADMIN_DSN, need_postgres

REPO = Path(__file__).resolve().parents[3]


def test_the_benchmark_runs_and_reports_every_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_postgres()
    monkeypatch.setenv("BENCH_PG_DSN", PG_ADMIN_DSN)
    monkeypatch.syspath_prepend(str(REPO))
    from scripts.bench import run

    out = tmp_path / "bench.json"
    assert run.main(["--properties", "300", "--import-rows", "40", "--requests", "20",
                     "--json", str(out)]) == 0  # fmt: skip
    figures = json.loads(out.read_text())
    assert figures["list_page"]["requests"] == 20
    assert figures["csv_import"]["rows"] == 40
    for value in (
        figures["list_page"]["ratio"],
        figures["csv_import"]["ratio"],
        figures["suggestions"]["p95_ms"],
    ):
        assert value > 0
