"""One Alembic chain that upgrades, downgrades and upgrades again cleanly on SQLite and
PostgreSQL, and leaves a schema identical to the models."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from reos.core import migrations
from reos.core.db import Base, create_db_engine
from reos.models import ALL_MODELS
from tests.services import PG_ADMIN_DSN, need_postgres


def schema_drift(url: URL) -> list[object]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def table_names(url: URL) -> set[str]:
    engine = create_db_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def round_trip(url: URL) -> None:
    migrations.upgrade(url)
    assert {m.__tablename__ for m in ALL_MODELS} <= table_names(url)
    assert migrations.current(url) == "0002"
    migrations.downgrade(url, "base")
    assert table_names(url) <= {"alembic_version"}
    migrations.upgrade(url)
    assert schema_drift(url) == []


def test_chain_round_trips_on_sqlite(tmp_path: Path) -> None:
    round_trip(make_url(f"sqlite:///{tmp_path / 'migrations.db'}"))


def test_chain_round_trips_on_postgres() -> None:
    need_postgres()
    server = make_url(PG_ADMIN_DSN)
    name = f"reos_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        round_trip(server.set(database=name))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_history_is_one_linear_chain() -> None:
    lines = migrations.history_lines()
    assert len(lines) == 2
    assert "(head)" in lines[0]
    assert "<base>" in lines[-1]


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_every_model_has_a_table(model: type) -> None:
    assert model.__tablename__ in Base.metadata.tables  # type: ignore[attr-defined]
