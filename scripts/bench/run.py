"""Benchmarks of the CRM core on PostgreSQL, each reported as a ratio to a baseline measured in
the same run (machines are noisy; absolute figures are printed for context only).

Usage: python -m scripts.bench.run [--properties 100000] [--import-rows 20000] [--requests 300]
Needs PostgreSQL (BENCH_PG_DSN, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres);
it creates a scratch database, migrates it, seeds it with COPY and drops it afterwards.

(a) GET /api/v1/properties (authenticated, filtered, page of 50) against a bare FastAPI route
    returning the same 50 records from memory, both over ASGI in this process: target >= 0.35x.
(b) CSV import rows/s (the importer the worker runs) against PostgreSQL COPY of the same rows
    into the same table (`properties`, with its indexes; the columns the table needs beyond the
    file's prepared untimed): target >= 0.2x. COPY of the file into an unindexed table of text
    columns is printed too, as the server's raw ingest speed.
(b') The same for the lead CSV import, against COPY of the same rows into `leads`: >= 0.2x.
(c) GET /api/v1/search/suggestions p95, with its ratio to the bare route's p95.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from . import data, leads

TARGETS = {"list_page": 0.35, "csv_import": 0.2, "lead_import": 0.2}


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


async def _timed(call: Callable[[], Awaitable[Any]], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


async def _interleaved(
    subject: Callable[[], Awaitable[Any]],
    baseline: Callable[[], Awaitable[Any]],
    rounds: int,
) -> tuple[list[float], list[float]]:
    """Alternate the two in small batches, so a noisy moment hurts both alike."""
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(max(1, rounds // 10)):
        mine += await _timed(subject, 10)
        theirs += await _timed(baseline, 10)
    return mine, theirs


async def bench_http(env: data.BenchEnv, rounds: int) -> dict[str, Any]:
    import httpx
    from fastapi import FastAPI

    from reos.main import create_app

    app = create_app(env.settings)
    query = "/api/v1/properties?state=TX&min_bedrooms=2&status=active&sort=-price&page_size=50"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            token = await env.login(client)
            headers = {"Authorization": f"Bearer {token}"}
            first = await client.get(query, headers=headers)
            first.raise_for_status()
            page = first.json()
            assert len(page["items"]) == 50, page

            bare = FastAPI()
            snapshot = page

            @bare.get("/page")
            async def bare_page() -> dict[str, Any]:
                return snapshot

            @bare.get("/suggest")
            async def bare_suggest() -> dict[str, Any]:
                return {"items": []}

            bare_client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=bare), base_url="http://bare"
            )
            async with bare_client:

                async def app_page() -> None:
                    (await client.get(query, headers=headers)).raise_for_status()

                async def bare_call() -> None:
                    (await bare_client.get("/page")).raise_for_status()

                mine, theirs = await _interleaved(app_page, bare_call, rounds)
                prefixes = env.prefixes()
                cursor = iter(range(10**9))

                async def suggest() -> None:
                    q = prefixes[next(cursor) % len(prefixes)]
                    response = await client.get(
                        "/api/v1/search/suggestions", params={"q": q}, headers=headers
                    )
                    response.raise_for_status()

                async def bare_suggest_call() -> None:
                    (await bare_client.get("/suggest")).raise_for_status()

                suggestions, bare_suggestions = await _interleaved(
                    suggest, bare_suggest_call, rounds
                )
    return {
        "list_page": {
            "ratio": statistics.median(theirs) / statistics.median(mine),
            "app_median_ms": statistics.median(mine) * 1000,
            "bare_median_ms": statistics.median(theirs) * 1000,
            "requests": len(mine),
        },
        "suggestions": {
            "p95_ms": _p95(suggestions) * 1000,
            "median_ms": statistics.median(suggestions) * 1000,
            "ratio_p95": _p95(bare_suggestions) / _p95(suggestions),
            "requests": len(suggestions),
        },
    }


def bench_import(env: data.BenchEnv, rows: int) -> dict[str, Any]:
    csv_bytes = data.import_csv(rows, env.seed)
    copy_table_seconds = env.copy_table_seconds(rows)
    copy_text_seconds = env.copy_text_seconds(csv_bytes)
    import_seconds = env.import_seconds(csv_bytes)
    return {
        "ratio": copy_table_seconds / import_seconds,
        "ratio_to_text_copy": copy_text_seconds / import_seconds,
        "import_rows_per_s": rows / import_seconds,
        "copy_rows_per_s": rows / copy_table_seconds,
        "copy_text_rows_per_s": rows / copy_text_seconds,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--properties", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    dsn = os.environ.get("BENCH_PG_DSN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    with data.bench_database(dsn, f"reos_bench_{uuid.uuid4().hex[:8]}") as env:
        print(f"seeding {args.properties} properties with COPY ...", flush=True)
        env.seed_properties(args.properties)
        print("measuring the list page and suggestions ...", flush=True)
        figures = asyncio.run(bench_http(env, args.requests))
        print(f"measuring the CSV import of {args.import_rows} rows ...", flush=True)
        figures["csv_import"] = bench_import(env, args.import_rows)
        print(f"measuring the lead CSV import of {args.import_rows} rows ...", flush=True)
        figures["lead_import"] = leads.bench(env, args.import_rows)
    figures["setup"] = {"properties": args.properties, "python": sys.version.split()[0]}
    _report(figures)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)
    return 0


def _report(figures: dict[str, Any]) -> None:
    page, imp, sug = figures["list_page"], figures["csv_import"], figures["suggestions"]
    lead = figures["lead_import"]
    lines = [
        "",
        f"(a) list page of 50      {page['ratio']:.2f}x of the bare route "
        f"(target >= {TARGETS['list_page']}x; app {page['app_median_ms']:.1f} ms, "
        f"bare {page['bare_median_ms']:.2f} ms median)",
        f"(b) CSV import           {imp['ratio']:.3f}x of COPY into properties "
        f"(target >= {TARGETS['csv_import']}x; {imp['import_rows_per_s']:.0f} rows/s vs "
        f"{imp['copy_rows_per_s']:.0f} rows/s); {imp['ratio_to_text_copy']:.3f}x of COPY "
        f"into an unindexed text table ({imp['copy_text_rows_per_s']:.0f} rows/s)",
        f"(b') lead CSV import     {lead['ratio']:.3f}x of COPY into leads "
        f"(target >= {TARGETS['lead_import']}x; {lead['import_rows_per_s']:.0f} rows/s vs "
        f"{lead['copy_rows_per_s']:.0f} rows/s)",
        f"(c) suggestions          p95 {sug['p95_ms']:.1f} ms, median {sug['median_ms']:.1f} ms "
        f"({sug['ratio_p95']:.2f}x of the bare route's p95)",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
