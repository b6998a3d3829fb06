"""The search indexes: the SQLite FTS triggers follow writes, migrations 0007 and 0009 go down
and up on both databases, and on PostgreSQL the text and autocomplete queries use their
indexes and answer in tiers (what starts with the text first) within their limit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text, update
from sqlalchemy.engine import make_url

from reos.core import migrations
from reos.core.db import Database, create_db_engine
from reos.models import Campaign, Lead, Property
from tests.builders import add_campaign, add_lead, add_property
from tests.conftest import Account, empty_postgres, register
from tests.search.conftest import archive, dialect, found, org, suggest
from tests.services import PG_ADMIN_DSN, need_postgres

# --- the index stays in sync --------------------------------------------------------------------


def test_the_text_index_follows_updates_and_deletes(
    client: TestClient, admin: Account, database: Database, owner_engine: Any
) -> None:
    home = add_property(database, admin, "8 Quartz Ln", description="marble kitchen")
    lead = add_lead(database, admin, "Quinn", "Marble")
    campaign = add_campaign(database, admin, "Marble promo")
    assert found(client, admin, "properties", "id", q="marble") == [home]

    with database.unit_of_work(org(admin)) as session:
        session.execute(
            update(Property)
            .where(Property.id == uuid.UUID(home))
            .values(description="granite kitchen", address="8 Onyx Ln")
        )
        session.execute(update(Lead).where(Lead.id == uuid.UUID(lead)).values(last_name="Slate"))
        session.execute(update(Campaign).values(name="Granite promo"))
    assert found(client, admin, "properties", "id", q="marble") == []
    assert found(client, admin, "properties", "id", q="quartz") == []
    assert found(client, admin, "properties", "id", q="granite onyx") == [home]
    assert found(client, admin, "leads", "id", q="slate") == [lead]
    assert found(client, admin, "leads", "id", q="marble") == []
    assert found(client, admin, "campaigns", "id", q="granite") == [campaign]
    assert [item["label"] for item in suggest(client, admin, "ony")] == ["8 Onyx Ln"]

    with database.unit_of_work(org(admin)) as session:
        session.execute(text("DELETE FROM properties"))
        session.execute(text("DELETE FROM leads"))
    assert found(client, admin, "properties", "id", q="granite") == []
    assert found(client, admin, "leads", "id", q="slate") == []
    assert suggest(client, admin, "ony") == []

    if owner_engine.dialect.name == "sqlite":
        with owner_engine.begin() as connection:
            for name in ("properties", "leads", "campaigns"):
                fts = f"{name}_fts"
                # Raises if the index and the table disagree.
                connection.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')"))
            indexed = connection.execute(text("SELECT count(*) FROM properties_fts_docsize"))
            assert indexed.scalar_one() == 0


# --- migration 0007 both ways -------------------------------------------------------------------

SQLITE_SEARCH_OBJECTS = {
    ("table", "properties_fts"),
    ("table", "leads_fts"),
    ("table", "campaigns_fts"),
    *(
        ("trigger", f"{table}_fts_{event}")
        for table in ("properties", "leads", "campaigns")
        for event in ("insert", "update", "delete")
    ),
}
PG_SEARCH_INDEXES = {
    "ix_properties_search_tsv",
    "ix_leads_search_tsv",
    "ix_campaigns_search_tsv",
    "ix_properties_address_trgm",
    "ix_properties_city_trgm",
    "ix_leads_first_name_trgm",
    "ix_leads_last_name_trgm",
}


def test_migration_0007_goes_down_and_up_on_sqlite_and_indexes_existing_rows(
    tmp_path: Path,
) -> None:
    url = make_url(f"sqlite:///{tmp_path / 'search.db'}")
    migrations.upgrade(url, "0006")
    engine = create_db_engine(url)

    def objects() -> set[tuple[str, str]]:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT type, name FROM sqlite_master"))
            return {(kind, name) for kind, name in rows} & SQLITE_SEARCH_OBJECTS

    try:
        assert objects() == set()
        org_id = uuid.uuid4().hex
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organizations (id, name, slug, plan, created_at, updated_at) "
                    "VALUES (:id, 'Old', 'old', 'demo', '2026-01-01', '2026-01-01')"
                ),
                {"id": org_id},
            )
            connection.execute(
                text(
                    "INSERT INTO properties (id, organization_id, address, city, state, "
                    "zip_code, property_type, status, normalized_address, created_at, "
                    "updated_at) VALUES (:id, :org, '1 Legacy Rd', 'Austin', 'TX', '78701', "
                    "'condo', 'active', 'legacy', '2026-01-01', '2026-01-01')"
                ),
                {"id": uuid.uuid4().hex, "org": org_id},
            )
        migrations.upgrade(url)
        assert objects() == SQLITE_SEARCH_OBJECTS
        with engine.connect() as connection:
            match = "SELECT count(*) FROM properties_fts WHERE properties_fts MATCH 'legacy'"
            assert connection.execute(text(match)).scalar_one() == 1
        migrations.downgrade(url, "0006")
        assert objects() == set()
        assert migrations.current(url) == "0006"
        migrations.upgrade(url)
        assert objects() == SQLITE_SEARCH_OBJECTS
    finally:
        engine.dispose()


@pytest.fixture
def empty_pg_url() -> Iterator[Any]:
    need_postgres()
    with empty_postgres(PG_ADMIN_DSN, "reos_search") as url:
        yield url


def test_migration_0007_goes_down_and_up_on_postgres(empty_pg_url: Any) -> None:
    def state() -> tuple[set[str], bool]:
        engine = create_db_engine(empty_pg_url)
        try:
            with engine.connect() as connection:
                names = connection.execute(text("SELECT indexname FROM pg_indexes")).scalars()
                trgm = connection.execute(
                    text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
                ).scalar_one()
                return set(names) & PG_SEARCH_INDEXES, bool(trgm)
        finally:
            engine.dispose()

    migrations.upgrade(empty_pg_url, "0008")
    assert state() == (PG_SEARCH_INDEXES, True)
    migrations.downgrade(empty_pg_url, "0006")
    assert state() == (set(), False)
    migrations.upgrade(empty_pg_url, "0008")
    assert state() == (PG_SEARCH_INDEXES, True)


# --- migration 0009 both ways -------------------------------------------------------------------

# What 0009 replaces 0007's trigram indexes with (and the btrees it adds).
PG_SUGGESTION_INDEXES = {
    "ix_properties_suggest_address",
    "ix_properties_suggest_city",
    "ix_properties_address_lower_trgm",
    "ix_leads_suggest_last_first",
    "ix_leads_suggest_first_last",
    "ix_leads_first_name_lower_trgm",
    "ix_leads_last_name_lower_trgm",
}
PG_REPLACED_INDEXES = {
    "ix_properties_address_trgm",
    "ix_properties_city_trgm",
    "ix_leads_first_name_trgm",
    "ix_leads_last_name_trgm",
}
SUGGESTION_SIGNATURES = (
    "reos_suggest_addresses(text, text, text, text, integer)",
    "reos_suggest_cities(text, text, text, text, integer)",
    "reos_suggest_leads(text, text, text, text, integer, text, text)",
)


def test_migration_0009_goes_down_and_up_on_postgres(empty_pg_url: Any) -> None:
    def state() -> tuple[set[str], set[int], bool]:
        """(search indexes, the look-ups' row estimates, whether the app role may call them)"""
        engine = create_db_engine(empty_pg_url)
        try:
            with engine.connect() as connection:
                names = connection.execute(text("SELECT indexname FROM pg_indexes")).scalars()
                rows = connection.execute(
                    text("SELECT prorows FROM pg_proc WHERE proname LIKE 'reos_suggest_%'")
                ).scalars()
                callable_ = all(
                    connection.execute(
                        text("SELECT has_function_privilege('reos_app', :f, 'EXECUTE')"),
                        {"f": signature},
                    ).scalar_one()
                    for signature in SUGGESTION_SIGNATURES
                )
                indexes = set(names) & (PG_SUGGESTION_INDEXES | PG_REPLACED_INDEXES)
                return indexes, {int(r) for r in rows}, callable_
        finally:
            engine.dispose()

    migrations.upgrade(empty_pg_url, "0009")
    assert state() == (PG_SUGGESTION_INDEXES, {20}, True)
    migrations.downgrade(empty_pg_url, "0008")
    assert state() == (PG_REPLACED_INDEXES, {1000}, True)
    migrations.upgrade(empty_pg_url, "0009")
    assert state() == (PG_SUGGESTION_INDEXES, {20}, True)


def test_migration_0009_leaves_sqlite_as_it_is(tmp_path: Path) -> None:
    url = make_url(f"sqlite:///{tmp_path / 'suggest.db'}")
    migrations.upgrade(url, "0008")
    engine = create_db_engine(url)

    def schema() -> set[tuple[str, str]]:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT type, name FROM sqlite_master"))
            return {(kind, name) for kind, name in rows}

    try:
        before = schema()
        migrations.upgrade(url, "0009")
        assert migrations.current(url) == "0009"
        assert schema() == before
        migrations.downgrade(url, "0008")
        assert schema() == before
    finally:
        engine.dispose()


# --- PostgreSQL: the queries use their indexes --------------------------------------------------


@pytest.fixture
def captured_sql(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", capture)
    yield statements
    event.remove(database.engine, "before_cursor_execute", capture)


def function_plans(owner_engine: Any, account: Account, call: str) -> str:
    """The plans of the statements a search function runs (auto_explain's nested statements:
    the very SQL, planned as in production), for the caller's organization, sequential scans
    off. Run as the owner, as SECURITY DEFINER runs them."""
    plans: list[str] = []
    connection = owner_engine.connect()
    try:
        driver = connection.connection.dbapi_connection
        driver.add_notice_handler(lambda notice: plans.append(notice.message_primary or ""))
        connection.execute(
            text("SELECT set_config('app.org_id', :org, false)"), {"org": account.organization_id}
        )
        try:
            connection.exec_driver_sql("LOAD 'auto_explain'")
        except Exception:
            pytest.skip("auto_explain (PostgreSQL contrib) is not installed")
        for setting in (
            "auto_explain.log_min_duration = 0",
            "auto_explain.log_nested_statements = on",
            "client_min_messages = log",
            "enable_seqscan = off",
        ):
            connection.exec_driver_sql(f"SET {setting}")
        connection.exec_driver_sql(call.replace("%", "%%")).all()
    finally:
        # The settings and the loaded module must not reach another test: drop the connection.
        connection.invalidate()
        connection.close()
    return "\n".join(plans)


def uses(plan_text: str, index: str) -> bool:
    """Whether a plan reads `index` (a bitmap, plain or index-only scan)."""
    return any(
        f"{scan} {index} " in plan_text or plan_text.endswith(f"{scan} {index}")
        for scan in ("Bitmap Index Scan on", "Index Scan using", "Index Only Scan using")
    )


def test_postgres_text_and_suggestion_queries_use_their_indexes(
    client: TestClient,
    admin: Account,
    database: Database,
    captured_sql: list[str],
    owner_engine: Any,
) -> None:
    if dialect(database) != "postgresql":
        pytest.skip("PostgreSQL only: run with DB_DSN=postgresql+psycopg://...")
    # Enough rows, and selective lookups, for an index to be worth it, as it is in production.
    rival = register(client, "Rival Realty")
    for account in (admin, rival):
        with database.unit_of_work(org(account)) as session:
            values = {"org": account.organization_id}
            session.execute(
                text(
                    "INSERT INTO properties (id, organization_id, address, city, state, zip_code, "
                    "property_type, status, normalized_address, description, created_at, "
                    "updated_at) SELECT gen_random_uuid(), CAST(:org AS uuid), n || ' Common St', "
                    "'Commonton ' || n % 20, 'TX', '78701', 'condo', 'active', 'n' || n, "
                    "'garden view', now(), now() FROM generate_series(1, 2000) AS n"
                ),
                values,
            )
            session.execute(
                text(
                    "INSERT INTO leads (id, organization_id, first_name, last_name, status, "
                    "created_at, updated_at) SELECT gen_random_uuid(), CAST(:org AS uuid), "
                    "'Common' || n, 'Person' || n, 'new', now(), now() "
                    "FROM generate_series(1, 2000) AS n"
                ),
                values,
            )
    add_property(database, admin, "7 Zephyr Way", city="Zermatt", description="pool")
    add_lead(database, admin, "Zelda", "Quartermaine")
    # Statistics, as autovacuum keeps them (only the owner may gather them).
    with owner_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE properties, leads"))

    # The API goes through the functions ...
    assert len(found(client, admin, "properties", "id", q="zephyr pool")) == 1
    assert len(found(client, admin, "leads", "id", q="zelda")) == 1
    assert len(suggest(client, admin, "zep")) == 1
    assert len(suggest(client, admin, "ze")) == 3
    assert len(suggest(client, admin, "zelda qu")) == 1
    called = " ".join(captured_sql)
    for name in (
        "reos_search_properties",
        "reos_search_leads",
        "reos_suggest_addresses",
        "reos_suggest_cities",
        "reos_suggest_leads",
    ):
        assert f"{name}(" in called

    # ... and each function's SQL is answered from its indexes.
    plan = function_plans(owner_engine, admin, "SELECT * FROM reos_search_properties('zephyr')")
    assert uses(plan, "ix_properties_search_tsv"), plan
    plan = function_plans(owner_engine, admin, "SELECT * FROM reos_search_leads('zelda')")
    assert uses(plan, "ix_leads_search_tsv"), plan
    # The suggestions: what starts with the text from a btree range, the rest (nothing else
    # starts with "ze") from a trigram index; cities by skipping through their btree; leads
    # from the btree of each name, then a bounded walk in order, then the trigram indexes.
    for patterns in ("'zep%', NULL, NULL, '%zep%'", "'ze%', 'ze%', '% ze%', NULL"):
        call = f"SELECT * FROM reos_suggest_addresses({patterns}, 10)"
        plan = function_plans(owner_engine, admin, call)
        assert "Limit" in plan, plan
        assert uses(plan, "ix_properties_suggest_address"), plan
        assert uses(plan, "ix_properties_address_lower_trgm"), plan
        call = f"SELECT * FROM reos_suggest_cities({patterns}, 10)"
        plan = function_plans(owner_engine, admin, call)
        assert uses(plan, "ix_properties_suggest_city") and "Limit" in plan, plan
        assert "Seq Scan" not in plan and "Bitmap" not in plan, plan
        call = f"SELECT * FROM reos_suggest_leads({patterns}, 10, 'zelda%', 'qu%')"
        plan = function_plans(owner_engine, admin, call)
        for index in (
            "ix_leads_suggest_last_first",
            "ix_leads_suggest_first_last",
            "ix_leads_first_name_lower_trgm",
            "ix_leads_last_name_lower_trgm",
        ):
            assert uses(plan, index), plan
    # A common pattern ("common" in 2,000 addresses) is read in order and stops at the limit,
    # without sorting its matches.
    call = "SELECT * FROM reos_suggest_addresses('co%', 'co%', '% co%', NULL, 10)"
    plan = function_plans(owner_engine, admin, call)
    assert uses(plan, "ix_properties_suggest_address") and "Limit" in plan, plan
    assert "Sort" not in plan and "Bitmap" not in plan, plan


def lookup(owner_engine: Any, account: Account, call: str) -> list[tuple[str, bool]]:
    """(label, starts) of what a suggestion function answers for the caller's organization, in
    its order. Run as the owner, as SECURITY DEFINER runs it."""
    with owner_engine.connect() as connection:
        connection.execute(
            text("SELECT set_config('app.org_id', :org, false)"), {"org": account.organization_id}
        )
        rows = connection.exec_driver_sql(call.replace("%", "%%")).all()
        connection.rollback()
    return [(label, starts) for _, label, starts in rows]


def test_postgres_suggestion_lookups_answer_in_tiers_within_their_limit(
    client: TestClient, admin: Account, database: Database, owner_engine: Any
) -> None:
    if dialect(database) != "postgresql":
        pytest.skip("PostgreSQL only: run with DB_DSN=postgresql+psycopg://...")
    rival = register(client, "Rival Realty")
    for address, city in (
        ("Oak Plaza 1", "Oakland"),
        ("oak grove 2", "Oakland"),  # case does not matter, nor does it split a city's rows
        ("12 Oak St", "Royal Oak"),
        ("14 Oak Ave", "Soakton"),
        ("3 Oakley Rd", "Austin"),
        ("5 Cloak Ln", "Austin"),
    ):
        add_property(database, admin, address, city=city)
    add_property(database, rival, "Oak Rival 1", city="Oakton")
    gone = add_property(database, admin, "Oak Archived 1", city="Oak Park")
    archive(database, admin, Property, gone)

    addresses = [
        ("oak grove 2", True),
        ("Oak Plaza 1", True),
        ("12 Oak St", False),
        ("14 Oak Ave", False),
        ("3 Oakley Rd", False),
        ("5 Cloak Ln", False),  # three letters or more: what contains them too
    ]
    cities = [("Oakland", True), ("Royal Oak", False), ("Soakton", False)]
    for limit in range(1, 8):
        call = f"SELECT * FROM reos_suggest_addresses('oak%', NULL, NULL, '%oak%', {limit})"
        assert lookup(owner_engine, admin, call) == addresses[:limit]
        call = f"SELECT * FROM reos_suggest_cities('oak%', NULL, NULL, '%oak%', {limit})"
        assert lookup(owner_engine, admin, call) == cities[:limit]
    call = "SELECT * FROM reos_suggest_addresses('oa%', 'oa%', '% oa%', NULL, 10)"
    assert lookup(owner_engine, admin, call) == addresses[:5]
    call = "SELECT * FROM reos_suggest_cities('oa%', 'oa%', '% oa%', NULL, 10)"
    assert lookup(owner_engine, admin, call) == cities[:2]
    # A city's id is its first live property's, whichever of its rows matched.
    with owner_engine.connect() as connection:
        connection.execute(
            text("SELECT set_config('app.org_id', :org, false)"), {"org": admin.organization_id}
        )
        city_id = connection.exec_driver_sql(
            "SELECT id FROM reos_suggest_cities('oakl%%', NULL, NULL, '%%oakl%%', 1)"
        ).scalar_one()
        first = connection.execute(
            text(
                "SELECT min(id::text)::uuid FROM properties WHERE city = 'Oakland' "
                "AND organization_id = :org AND deleted_at IS NULL"
            ),
            {"org": admin.organization_id},
        ).scalar_one()
        connection.rollback()
    assert city_id == first

    # Leads: more of them than the second tier walks in order before it looks the rest up.
    for account in (admin, rival):
        with database.unit_of_work(org(account)) as session:
            session.execute(
                text(
                    "INSERT INTO leads (id, organization_id, first_name, last_name, status, "
                    "created_at, updated_at) SELECT gen_random_uuid(), CAST(:org AS uuid), "
                    "'Lead', 'Filler' || lpad(n::text, 4, '0'), 'new', now(), now() "
                    "FROM generate_series(1, 1200) AS n"
                ),
                {"org": account.organization_id},
            )
    for first in ("Ann", "Bo"):
        add_lead(database, admin, first, "Wyzowski")
    add_lead(database, rival, "Cy", "Wyzowski")
    gone = add_lead(database, admin, "Di", "Wyzowski")
    archive(database, admin, Lead, gone)
    add_lead(database, admin, "Illeana", "Zed")

    def leads(patterns: str, limit: int, pair: str = "NULL, NULL") -> list[tuple[str, bool]]:
        call = f"SELECT * FROM reos_suggest_leads({patterns}, {limit}, {pair})"
        return lookup(owner_engine, admin, call)

    # Found by the walk: the first by last name, then first name.
    assert leads("'ille%', NULL, NULL, '%ille%'", 3) == [
        ("Illeana Zed", True),
        ("Lead Filler0001", False),
        ("Lead Filler0002", False),
    ]
    # Found after it: what matches only where the walk does not reach.
    assert leads("'yzo%', NULL, NULL, '%yzo%'", 10) == [
        ("Ann Wyzowski", False),
        ("Bo Wyzowski", False),
    ]
    # A first and a last name: "bo wy".
    assert leads("'bo wy%', NULL, NULL, '%bo wy%'", 10, "'bo%', 'wy%'") == [("Bo Wyzowski", False)]
    assert leads("'wy%', 'wy%', '% wy%', NULL", 1) == [("Ann Wyzowski", True)]
