"""The lead CSV import benchmark: a file of leads, its import by the importer the worker runs,
and the baseline, PostgreSQL COPY of the same rows into `leads` itself."""

from __future__ import annotations

import csv
import io
import random
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from . import data

FIRST_NAMES = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken"]
LAST_NAMES = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]
SOURCES = ["Zillow", "Referral", "Website", "Open House"]
STATUSES = ["new", "new", "contacted", "qualified"]
CSV_FIELDS = [
    "first_name", "last_name", "email", "phone", "source", "status", "budget_min", "budget_max",
    "notes",
]  # fmt: skip
COPY_COLUMNS = [
    "id", "organization_id", "first_name", "last_name", "email", "phone", "source", "status",
    "budget_min", "budget_max", "notes", "created_at", "updated_at",
]  # fmt: skip


def lead_row(rng: random.Random, index: int) -> dict[str, Any]:
    """A lead as a file has it: the phone written the US way, the email in mixed case."""
    low = rng.randint(100, 900) * 1000
    exchange = 200 + index // 10_000  # NANP exchanges start with 2-9
    return {
        "first_name": FIRST_NAMES[rng.randrange(len(FIRST_NAMES))],
        "last_name": f"{LAST_NAMES[rng.randrange(len(LAST_NAMES))]}-{index}",
        "email": f"Lead.{index}@Example.com",
        "phone": f"(415) {exchange}-{index % 10_000:04d}",
        "source": SOURCES[rng.randrange(len(SOURCES))],
        "status": STATUSES[rng.randrange(len(STATUSES))],
        "budget_min": Decimal(low),
        "budget_max": Decimal(low + rng.randint(50, 300) * 1000),
        "notes": f"Wants {rng.randint(1, 5)} bedrooms, called about the listing on day {index}",
    }


def rows(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed + 2)
    return [lead_row(rng, index) for index in range(count)]


def import_csv(count: int, seed: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows(rows(count, seed))
    return buffer.getvalue().encode()


def copy_seconds(env: data.BenchEnv, count: int) -> float:
    """The baseline: COPY of the file's rows into `leads` itself, with its indexes and
    constraints, as the owner (no RLS), under an organization of its own, with what the table
    needs beyond the file (ids, organization, lower-case email, E.164 phone, timestamps)
    prepared untimed."""
    from reos.core.phones import to_e164

    organization_id = env._create_organization("Bench Lead Baseline")
    now = datetime.now(UTC).isoformat()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows(count, env.seed):
        full = {
            **row,
            "id": uuid.uuid4(),
            "organization_id": organization_id,
            "email": row["email"].lower(),
            "phone": to_e164(row["phone"]),
            "created_at": now,
            "updated_at": now,
        }
        writer.writerow([full[column] for column in COPY_COLUMNS])
    raw = env.owner.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        with cursor.copy(  # type: ignore[attr-defined]
            f"COPY leads ({', '.join(COPY_COLUMNS)}) FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            copy.write(buffer.getvalue())
        raw.commit()
        elapsed = time.perf_counter() - started
    finally:
        raw.close()
    return elapsed


def import_seconds(env: data.BenchEnv, csv_bytes: bytes) -> float:
    from reos.core.db import Database
    from reos.leads.importing import import_leads_csv

    database = Database(env.settings)
    try:
        started = time.perf_counter()
        with database.unit_of_work(env.organization_id) as session:
            result = import_leads_csv(session, csv_bytes, None)
        elapsed = time.perf_counter() - started
    finally:
        database.dispose()
    if result["errors"] or result["duplicates"]:
        raise RuntimeError(f"the lead import was not clean: {result['errors'][:3]}")
    return elapsed


def bench(env: data.BenchEnv, count: int) -> dict[str, Any]:
    csv_bytes = import_csv(count, env.seed)
    copy = copy_seconds(env, count)
    imported = import_seconds(env, csv_bytes)
    return {
        "ratio": copy / imported,
        "import_rows_per_s": count / imported,
        "copy_rows_per_s": count / copy,
        "rows": count,
    }
