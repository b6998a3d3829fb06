"""The data model: 35 models, tenancy on every tenant table, lazy="raise", named constraints."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reos.core.db import Base, TenantScoped
from reos.models import ALL_MODELS, Organization, Property, User


def test_there_are_35_distinct_models() -> None:
    assert len(set(ALL_MODELS)) == 35


def test_every_table_with_an_organization_is_tenant_scoped() -> None:
    for mapper in Base.registry.mappers:
        if "organization_id" in mapper.columns:
            assert issubclass(mapper.class_, TenantScoped), mapper.class_.__name__


def test_every_relationship_raises_instead_of_lazy_loading() -> None:
    for mapper in Base.registry.mappers:
        for relationship in mapper.relationships:
            assert relationship.lazy == "raise", f"{mapper.class_.__name__}.{relationship.key}"


def test_constraints_follow_the_naming_convention() -> None:
    for table in Base.metadata.tables.values():
        assert table.primary_key.name == f"pk_{table.name}"
        for fk in table.foreign_key_constraints:
            assert str(fk.name).startswith(f"fk_{table.name}_")


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")

    @event.listens_for(engine, "connect")
    def _fks(dbapi_conn: object, _: object) -> None:
        dbapi_conn.execute("PRAGMA foreign_keys=ON")  # type: ignore[attr-defined]

    Base.metadata.create_all(engine)
    with Session(engine) as db:
        org = Organization(id=uuid.uuid4(), name="Org", slug="org")
        db.add(org)
        db.flush()
        db.info["org_id"] = org.id
        yield db


def test_check_constraints_refuse_unknown_enum_values(session: Session) -> None:
    session.add(User(email="a@b.example", full_name="A", password_hash="x", role="overlord"))
    with pytest.raises(IntegrityError, match="known_role"):
        session.flush()


def test_a_negative_price_is_refused_by_the_database(session: Session) -> None:
    session.add(
        Property(
            address="1 Main St",
            city="Austin",
            state="TX",
            zip_code="78701",
            property_type="condo",
            normalized_address="1 main st austin tx 78701",
            price=-1,
        )
    )
    with pytest.raises(IntegrityError, match="price_not_negative"):
        session.flush()
