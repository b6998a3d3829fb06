"""The model layer: the 35 models registered, tenancy mixins applied, constraints that hold."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    create_engine,
    insert,
)
from sqlalchemy.exc import IntegrityError

import reos.models
from reos.core.db import Base, SoftDeleteMixin, TenantScoped, utcnow
from reos.models import crm, deal, identity, ops, outreach, portfolio, property

SPEC_MODELS = {
    "User", "Organization", "Team", "Role", "Permission",
    "Property", "PropertyImage", "PropertyDocument", "PropertyValuation", "PropertyMetrics",
    "PropertyHistory", "Listing", "ListingSnapshot",
    "Lead", "LeadSource", "LeadScore", "Contact", "LeadActivity", "LeadNote",
    "Campaign", "CampaignTarget", "EmailTemplate", "SMSTemplate", "OutreachAttempt",
    "DeliverabilityEvent", "UnsubscribeList",
    "Deal", "DealStage", "Portfolio", "PortfolioHolding", "Transaction", "Reconciliation",
    "IdempotencyKey", "WebhookLog", "AuditLog",
}  # fmt: skip
ARCHIVABLE = {
    "Property", "Lead", "Campaign", "EmailTemplate", "SMSTemplate", "Deal", "Portfolio", "Contact",
}  # fmt: skip

# Every enum-like column: (table, column, allowed values). A new `col IN (...)` check in the
# metadata must be listed here (test_every_enum_check_is_covered), so it gets tested too.
ENUMS: list[tuple[str, str, tuple[str, ...]]] = [
    ("roles", "name", identity.ROLE_NAMES),
    ("users", "role", identity.ROLE_NAMES),
    ("users", "status", identity.USER_STATUSES),
    ("properties", "property_type", property.PROPERTY_TYPES),
    ("properties", "status", property.PROPERTY_STATUSES),
    ("property_history", "change_type", property.HISTORY_CHANGE_TYPES),
    ("listings", "status", property.LISTING_STATUSES),
    ("leads", "status", crm.LEAD_STATUSES),
    ("lead_activities", "activity_type", crm.ACTIVITY_TYPES),
    ("campaigns", "channel", outreach.CAMPAIGN_CHANNELS),
    ("campaigns", "status", outreach.CAMPAIGN_STATUSES),
    ("campaign_targets", "status", outreach.TARGET_STATUSES),
    ("outreach_attempts", "channel", outreach.OUTREACH_CHANNELS),
    ("outbox_messages", "channel", outreach.OUTREACH_CHANNELS),
    ("outreach_attempts", "status", outreach.ATTEMPT_STATUSES),
    ("deliverability_events", "event_type", outreach.DELIVERABILITY_EVENT_TYPES),
    ("unsubscribe_list", "channel", outreach.DNC_CHANNELS),
    ("unsubscribe_list", "source", outreach.DNC_SOURCES),
    ("deals", "status", deal.DEAL_STATUSES),
    ("transactions", "transaction_type", portfolio.TRANSACTION_TYPES),
    ("task_runs", "status", ops.TASK_STATUSES),
    ("task_runs", "queue", ops.TASK_QUEUES),
]
ENUM_VALUES = {(table, column): values for table, column, values in ENUMS}


def mapped_classes() -> list[type[Any]]:
    return [mapper.class_ for mapper in Base.registry.mappers]


def test_the_35_spec_models_are_exported_and_registered() -> None:
    assert len(reos.models.ALL_MODELS) == 35
    assert {model.__name__ for model in reos.models.ALL_MODELS} == SPEC_MODELS
    registered = set(mapped_classes())
    for model in reos.models.ALL_MODELS:
        assert getattr(reos.models, model.__name__) is model
        assert model in registered
        assert model.__tablename__ in Base.metadata.tables
    assert reos.models.__all__ == sorted(reos.models.__all__)


def test_tenant_rows_carry_the_tenant_mixin() -> None:
    for model in mapped_classes():
        table = model.__table__
        if "organization_id" in table.c:
            assert issubclass(model, TenantScoped), model.__name__
            (fk,) = table.c.organization_id.foreign_keys
            assert fk.column.table.name == "organizations"
            assert fk.ondelete == "CASCADE"
            assert not table.c.organization_id.nullable
    tenant_models = {m.__name__ for m in mapped_classes() if issubclass(m, TenantScoped)}
    # Everything but the organizations themselves and the global role/permission catalogue.
    assert SPEC_MODELS - tenant_models == {"Organization", "Role", "Permission"}


def test_archivable_models_soft_delete() -> None:
    soft = {m.__name__ for m in reos.models.ALL_MODELS if issubclass(m, SoftDeleteMixin)}
    assert soft >= ARCHIVABLE


def test_every_relationship_refuses_lazy_loading() -> None:
    relationships = [rel for mapper in Base.registry.mappers for rel in mapper.relationships]
    assert relationships  # Role.permissions at least, so the loop below checks something
    for rel in relationships:
        assert rel.lazy == "raise", rel


def test_naming_conventions_name_every_constraint_and_index() -> None:
    prefixes = {
        PrimaryKeyConstraint: "pk_",
        ForeignKeyConstraint: "fk_",
        UniqueConstraint: "uq_",
        CheckConstraint: "ck_",
    }
    for table in Base.metadata.tables.values():
        assert table.primary_key.name == f"pk_{table.name}"
        for constraint in table.constraints:
            prefix = prefixes[type(constraint)]
            assert isinstance(constraint.name, str), (table.name, constraint)
            assert constraint.name.startswith(prefix), (table.name, constraint.name)
            assert len(constraint.name) <= 63  # PostgreSQL truncates longer identifiers
        for index in table.indexes:
            assert str(index.name).startswith(f"ix_{table.name}_"), index.name


def test_money_is_exact() -> None:
    for table, column in [
        ("properties", "price"),
        ("listings", "asking_price"),
        ("property_valuations", "value"),
        ("leads", "budget_min"),
        ("deals", "amount"),
        ("portfolio_holdings", "acquisition_price"),
        ("transactions", "amount"),
        ("reconciliations", "expected_value"),
    ]:
        column_type = Base.metadata.tables[table].c[column].type
        assert isinstance(column_type, Numeric) and column_type.asdecimal
        assert (column_type.precision, column_type.scale) == (14, 2), (table, column)


def test_every_enum_check_is_covered() -> None:
    found = set()
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint):
                match = re.fullmatch(r"(\w+) IN \((.*)\)", str(constraint.sqltext))
                if match:
                    found.add((table.name, match.group(1)))
                    values = ENUM_VALUES[(table.name, match.group(1))]
                    assert match.group(2) == ", ".join(repr(v) for v in values)
    assert found == set(ENUM_VALUES)


# --- constraints at work, on an in-memory SQLite database ---------------------------------------


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    # Foreign keys stay unenforced here (SQLite's default) so each table is tested on its own.
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _value(table: Table, name: str) -> Any:
    """A value that satisfies every constraint of the column, for a row built from scratch."""
    if (table.name, name) in ENUM_VALUES:
        return ENUM_VALUES[(table.name, name)][0]
    column_type = table.c[name].type
    if isinstance(column_type, Uuid):
        return uuid.uuid4()
    if isinstance(column_type, DateTime):
        return utcnow()
    if isinstance(column_type, Date):
        return date(2026, 1, 2)
    if isinstance(column_type, Boolean):
        return False
    if isinstance(column_type, Float):
        return 1.0
    if isinstance(column_type, Numeric):
        return Decimal("1")  # in range for every percentage, score and low <= value <= high
    if isinstance(column_type, Integer):
        return 1
    if isinstance(column_type, JSON):
        return {}
    if isinstance(column_type, LargeBinary):
        return b"x"
    assert isinstance(column_type, String), (table.name, name, column_type)
    return uuid.uuid4().hex[: column_type.length or 32]


def valid_row(table: Table, **overrides: Any) -> dict[str, Any]:
    row = {column.name: _value(table, column.name) for column in table.columns}
    return {**row, **overrides}


@pytest.mark.parametrize(("table_name", "column", "values"), ENUMS)
def test_enum_checks_accept_known_values_and_reject_others(
    engine: Engine, table_name: str, column: str, values: tuple[str, ...]
) -> None:
    table = Base.metadata.tables[table_name]
    with engine.begin() as connection:
        for value in values:
            connection.execute(insert(table), valid_row(table, **{column: value}))
    with pytest.raises(IntegrityError, match="CHECK constraint failed"), engine.begin() as conn:
        conn.execute(insert(table), valid_row(table, **{column: "bogus"}))


@pytest.mark.parametrize(
    ("table_name", "bad"),
    [
        ("lead_scores", {"score": 101}),
        ("lead_scores", {"score": -1}),
        ("leads", {"budget_min": Decimal("10"), "budget_max": Decimal("5")}),
        ("property_valuations", {"value": Decimal("5"), "high": Decimal("4")}),
        ("property_valuations", {"confidence": Decimal("1.5")}),
        ("portfolio_holdings", {"ownership_pct": Decimal("0")}),
        ("deal_stages", {"is_won": True, "is_lost": True}),
        ("properties", {"price": Decimal("-1")}),
    ],
)
def test_range_checks_reject_impossible_values(
    engine: Engine, table_name: str, bad: dict[str, Any]
) -> None:
    table = Base.metadata.tables[table_name]
    with pytest.raises(IntegrityError, match="CHECK constraint failed"), engine.begin() as conn:
        conn.execute(insert(table), valid_row(table, **bad))


@pytest.mark.parametrize(
    ("table_name", "column"),
    [
        ("properties", "apn_hash"),
        ("properties", "normalized_address"),
        ("leads", "email"),
        ("leads", "phone"),
        ("unsubscribe_list", "value"),
    ],
)
def test_per_organization_uniqueness(engine: Engine, table_name: str, column: str) -> None:
    table = Base.metadata.tables[table_name]
    org, other_org = uuid.uuid4(), uuid.uuid4()
    value = uuid.uuid4().hex
    with engine.begin() as connection:
        connection.execute(insert(table), valid_row(table, organization_id=org, **{column: value}))
        # The same value in another organization is fine.
        connection.execute(
            insert(table), valid_row(table, organization_id=other_org, **{column: value})
        )
        if table.c[column].nullable:
            # Missing values never collide.
            for _ in range(2):
                connection.execute(
                    insert(table), valid_row(table, organization_id=org, **{column: None})
                )
    with pytest.raises(IntegrityError, match="UNIQUE"), engine.begin() as connection:
        connection.execute(insert(table), valid_row(table, organization_id=org, **{column: value}))
