"""The benchmark's scratch database: migrated, an organization with an admin, properties loaded
with COPY, and the CSV files the import benchmark reads."""

from __future__ import annotations

import csv
import io
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

CITIES = [
    ("Austin", "TX", "787", 30.27, -97.74),
    ("Dallas", "TX", "752", 32.78, -96.80),
    ("Houston", "TX", "770", 29.76, -95.37),
    ("Denver", "CO", "802", 39.74, -104.99),
    ("Phoenix", "AZ", "850", 33.45, -112.07),
    ("Atlanta", "GA", "303", 33.75, -84.39),
    ("Tampa", "FL", "336", 27.95, -82.46),
    ("Raleigh", "NC", "276", 35.78, -78.64),
]
STREETS = ["Main", "Oak", "Cedar", "Elm", "Maple", "Pine", "Lake", "Hill", "Park", "Sunset"]
SUFFIXES = ["St", "Ave", "Blvd", "Dr", "Ln", "Ct"]
TYPES = ["single_family", "condo", "townhouse", "multi_family"]
STATUSES = ["active", "active", "active", "pending", "sold", "off_market"]
PASSWORD = "BenchPass123!"
CSV_FIELDS = [
    "address",
    "city",
    "state",
    "zip_code",
    "property_type",
    "status",
    "price",
    "bedrooms",
    "bathrooms",
    "square_feet",
    "year_built",
    "latitude",
    "longitude",
    "apn",
    "description",
]


def property_row(rng: random.Random, index: int, tag: str) -> dict[str, Any]:
    city, state, zip_prefix, lat, lon = CITIES[index % len(CITIES)]
    street = f"{STREETS[rng.randrange(len(STREETS))]} {SUFFIXES[rng.randrange(len(SUFFIXES))]}"
    bedrooms = rng.randint(1, 6)
    return {
        "address": f"{100 + index} {street} Unit {tag}{index}",
        "city": city,
        "state": state,
        "zip_code": f"{zip_prefix}{rng.randint(0, 99):02d}",
        "property_type": TYPES[rng.randrange(len(TYPES))],
        "status": STATUSES[rng.randrange(len(STATUSES))],
        "price": Decimal(rng.randint(150, 1500) * 1000),
        "bedrooms": bedrooms,
        "bathrooms": Decimal(rng.randint(2, 8)) / 2,
        "square_feet": rng.randint(600, 5000),
        "year_built": rng.randint(1920, 2025),
        "latitude": round(lat + rng.uniform(-0.2, 0.2), 6),
        "longitude": round(lon + rng.uniform(-0.2, 0.2), 6),
        "apn": f"{tag}-{index:07d}",
        "description": f"{bedrooms} bedroom home near {street} in {city} with a big yard",
    }


def import_csv(rows: int, seed: int) -> bytes:
    rng = random.Random(seed + 1)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for index in range(rows):
        writer.writerow(property_row(rng, index, "imp"))
    return buffer.getvalue().encode()


COPY_COLUMNS = [
    "id", "organization_id", "address", "city", "state", "zip_code", "property_type",
    "status", "price", "bedrooms", "bathrooms", "square_feet", "year_built", "latitude",
    "longitude", "apn", "apn_hash", "normalized_address", "description", "created_at",
    "updated_at",
]  # fmt: skip


def _property_copy(rows: list[dict[str, Any]], organization_id: uuid.UUID) -> str:
    """CSV for COPY into `properties`: the rows plus the columns the table derives or needs."""
    from reos.properties.domain import apn_hash, normalize_address

    now = datetime.now(UTC).isoformat()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        full = {
            **row,
            "id": uuid.uuid4(),
            "organization_id": organization_id,
            "apn_hash": apn_hash(row["apn"]),
            "normalized_address": normalize_address(
                row["address"], row["city"], row["state"], row["zip_code"]
            ),
            "created_at": now,
            "updated_at": now,
        }
        writer.writerow([full[column] for column in COPY_COLUMNS])
    return buffer.getvalue()


class BenchEnv:
    def __init__(self, url: URL, seed: int = 7) -> None:
        from reos.core.settings import Settings

        self.url = url
        self.seed = seed
        self.owner = create_engine(url)
        self.var_dir = Path(tempfile.mkdtemp(prefix="reos-bench-"))
        self.settings = Settings(
            mode="mock",
            var_dir=self.var_dir,
            db_dsn=url.render_as_string(hide_password=False),
            rate_limit_default="10000000/minute",
            rate_limit_auth="10000000/minute",
            log_level="ERROR",
        )
        self.organization_id = uuid.uuid4()
        self.email = f"bench-{uuid.uuid4().hex[:6]}@bench.example"
        self._cities: list[str] = []
        self._create_admin()

    def _create_admin(self) -> None:
        from reos.core.db import Database
        from reos.core.security.passwords import hash_password
        from reos.models import User

        self._create_organization("Bench Realty", self.organization_id)
        database = Database(self.settings)
        try:
            with database.unit_of_work(self.organization_id) as session:
                session.add(
                    User(
                        email=self.email,
                        full_name="Bench Admin",
                        role="admin",
                        status="active",
                        password_hash=hash_password(PASSWORD),
                    )
                )
        finally:
            database.dispose()

    async def login(self, client: Any) -> str:
        response = await client.post(
            "/api/v1/auth/login", json={"email": self.email, "password": PASSWORD}
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token

    def seed_properties(self, count: int) -> None:
        rng = random.Random(self.seed)
        rows = [property_row(rng, index, "seed") for index in range(count)]
        self._copy_into_properties(_property_copy(rows, self.organization_id), analyze=True)
        self._cities = sorted({c[0] for c in CITIES})

    def _copy_into_properties(self, buffer: str, analyze: bool = False) -> float:
        """COPY prepared rows straight into `properties` as the owner; seconds taken."""
        raw = self.owner.raw_connection()
        try:
            cursor = raw.cursor()
            started = time.perf_counter()
            with cursor.copy(  # type: ignore[attr-defined]
                f"COPY properties ({', '.join(COPY_COLUMNS)}) FROM STDIN WITH (FORMAT csv)"
            ) as copy:
                copy.write(buffer)
            raw.commit()
            elapsed = time.perf_counter() - started
            if analyze:
                cursor.execute("ANALYZE properties")
                raw.commit()
        finally:
            raw.close()
        return elapsed

    def prefixes(self) -> list[str]:
        """What a user types into the search box, a few keystrokes in."""
        words = [*self._cities, *STREETS]
        return [w[:n] for w in words for n in (2, 3, 4)] + ["1", "12", "105", "2 Oak"]

    def copy_table_seconds(self, rows: int) -> float:
        """The baseline: COPY of the file's rows into `properties` itself, with its indexes
        and constraints, as the owner (no RLS), under an organization of its own (so the import
        that follows meets no duplicates), with what the table needs beyond the file's columns
        (ids, organization, normalized address, APN hash, timestamps) prepared untimed."""
        baseline_org = self._create_organization("Bench Baseline")
        rng = random.Random(self.seed + 1)  # the rows import_csv(rows, seed) writes
        prepared = [property_row(rng, index, "imp") for index in range(rows)]
        return self._copy_into_properties(_property_copy(prepared, baseline_org))

    def copy_text_seconds(self, csv_bytes: bytes) -> float:
        """For context: COPY of the file into a table of text columns with no index at all,
        the raw ingest speed of the server."""
        columns = ", ".join(f"{name} text" for name in CSV_FIELDS)
        raw = self.owner.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(f"CREATE TABLE bench_copy ({columns})")
            raw.commit()
            started = time.perf_counter()
            with cursor.copy(  # type: ignore[attr-defined]
                "COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy:
                copy.write(csv_bytes)
            raw.commit()
            elapsed = time.perf_counter() - started
            cursor.execute("DROP TABLE bench_copy")
            raw.commit()
        finally:
            raw.close()
        return elapsed

    def _create_organization(
        self, name: str, organization_id: uuid.UUID | None = None
    ) -> uuid.UUID:
        from reos.core.db import Database
        from reos.models import Organization

        organization_id = organization_id or uuid.uuid4()
        database = Database(self.settings)
        try:
            with database.unit_of_work(organization_id) as session:
                session.add(
                    Organization(id=organization_id, name=name, slug=f"bench-{organization_id.hex}")
                )
        finally:
            database.dispose()
        return organization_id

    def import_seconds(self, csv_bytes: bytes) -> float:
        from reos.core.db import Database
        from reos.properties.importing import import_properties_csv

        database = Database(self.settings)
        try:
            started = time.perf_counter()
            with database.unit_of_work(self.organization_id) as session:
                result = import_properties_csv(session, csv_bytes, None, None)
            elapsed = time.perf_counter() - started
        finally:
            database.dispose()
        if result["errors"]:
            raise RuntimeError(f"the import reported errors: {result['errors'][:3]}")
        return elapsed


@contextmanager
def bench_database(dsn: str, name: str) -> Iterator[BenchEnv]:
    from reos.core import migrations

    server = make_url(dsn)
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name)
    env: BenchEnv | None = None
    try:
        migrations.upgrade(url)
        env = BenchEnv(url)
        yield env
    finally:
        if env is not None:
            env.owner.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
