"""The property CSV import written in batches: counts, history and audit rows for exactly the
properties created, duplicates within the file and against stored (archived, concurrently
committed) properties, row numbers of errors, and the caller's transaction deciding."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reos.core.db import Database
from reos.imports import pipeline
from reos.imports.pipeline import BATCH_ROWS, ImportRow
from reos.models import AuditLog, Property, PropertyHistory
from reos.properties.crud import create_property
from reos.properties.importing import PropertyImport, import_properties_csv
from reos.properties.schemas import PropertyIn
from tests.conftest import Account, register

HEADER = "address,city,state,zip_code,property_type,price,apn\n"


def line(n: int, address: str | None = None, apn: str = "") -> str:
    return f"{address or f'{n} Oak Street'},Austin,TX,78701,condo,{100_000 + n},{apn}\n"


def run_import(
    database: Database,
    account: Account,
    csv_text: str,
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    with database.unit_of_work(uuid.UUID(account.organization_id)) as session:
        return import_properties_csv(
            session, csv_text.encode(), uuid.UUID(account.id), progress, batch_rows=batch_rows
        )


def counts(database: Database, account: Account) -> dict[str, int]:
    with database.unit_of_work(uuid.UUID(account.organization_id)) as session:
        return {
            "properties": count(session, select(Property).execution_options(include_archived=True)),
            "history": count(session, select(PropertyHistory)),
            "audit": count(session, select(AuditLog).where(AuditLog.action == "property.created")),
        }


def count(session: Session, query: Any) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def addresses(database: Database, account: Account) -> list[str]:
    with database.unit_of_work(uuid.UUID(account.organization_id)) as session:
        query = select(Property.address).execution_options(include_archived=True)
        return sorted(session.scalars(query))


def test_a_large_file_is_imported_batch_by_batch_with_history_and_audit(
    client: TestClient, database: Database, admin: Account
) -> None:
    csv_text = HEADER + "".join(line(n, apn=f"APN-{n}") for n in range(2500))
    progress: list[tuple[int, int]] = []
    result = run_import(
        database, admin, csv_text, batch_rows=1000, progress=lambda d, t: progress.append((d, t))
    )
    assert result == {"created": 2500, "duplicates": 0, "errors": [], "ignored_columns": []}
    assert progress == [(1000, 2500), (2000, 2500), (2500, 2500)]

    actor = uuid.UUID(admin.id)
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        properties = {p.id: p for p in session.scalars(select(Property))}
        history = list(session.scalars(select(PropertyHistory)))
        audit = list(session.scalars(select(AuditLog).where(AuditLog.action == "property.created")))
    assert len(properties) == 2500
    assert all(p.created_by_id == actor and p.status == "active" for p in properties.values())
    # One "created" history row and one audit entry per property, by the importing user.
    assert sorted(h.property_id for h in history) == sorted(properties)
    assert {(h.change_type, h.actor_user_id) for h in history} == {("created", actor)}
    assert sorted(uuid.UUID(a.entity_id or "") for a in audit) == sorted(properties)
    assert all(a.actor_user_id == actor and a.entity_type == "property" for a in audit)
    by_id = {str(i): p.normalized_address for i, p in properties.items()}
    assert all(a.changes == {"address": by_id[a.entity_id or ""]} for a in audit)
    # Newest first lists the file's last row first, as when rows were created one by one.
    newest = client.get("/api/v1/properties?page_size=2", headers=admin.headers).json()
    assert [p["address"] for p in newest["items"]] == ["2499 Oak Street", "2498 Oak Street"]

    again = run_import(database, admin, csv_text, batch_rows=1000)
    assert again == {"created": 0, "duplicates": 2500, "errors": [], "ignored_columns": []}
    assert counts(database, admin) == {"properties": 2500, "history": 2500, "audit": 2500}


@pytest.mark.parametrize("batch_rows", [1, 2, 1000])
def test_an_earlier_row_of_the_file_takes_its_address_and_apn(
    database: Database, admin: Account, batch_rows: int
) -> None:
    csv_text = (
        HEADER
        + line(1, apn="123-45")  # row 2: created
        + line(2, address="1 oak st.")  # row 3: row 2's address
        + line(3, apn="12345")  # row 4: row 2's APN
        + line(4, apn="999")  # row 5: created
        + line(5, apn="9-9-9")  # row 6: row 5's APN
    )
    result = run_import(database, admin, csv_text, batch_rows=batch_rows)
    assert result == {"created": 2, "duplicates": 3, "errors": [], "ignored_columns": []}
    assert addresses(database, admin) == ["1 Oak Street", "4 Oak Street"]


@pytest.mark.parametrize("batch_rows", [1, 1000])
def test_a_row_that_is_itself_a_duplicate_claims_nothing(
    database: Database, admin: Account, batch_rows: int
) -> None:
    """As when rows were created one by one: row 2 is turned away by a stored property, so its
    APN is free for row 3, whose address row 4 then repeats."""
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        stored = PropertyIn(
            address="1 Oak Street",
            city="Austin",
            state="TX",
            zip_code="78701",
            property_type="condo",
        )
        create_property(session, data=stored, actor_user_id=None)
    csv_text = (
        HEADER
        + line(1, apn="77")  # row 2: the stored address
        + line(2, apn="77")  # row 3: created, its APN being row 2's only
        + line(3, address="2 Oak St")  # row 4: row 3's address
    )
    result = run_import(database, admin, csv_text, batch_rows=batch_rows)
    assert result == {"created": 1, "duplicates": 2, "errors": [], "ignored_columns": []}
    assert addresses(database, admin) == ["1 Oak Street", "2 Oak Street"]


def test_archived_properties_keep_their_address_and_apn_other_organizations_do_not(
    client: TestClient, database: Database, admin: Account
) -> None:
    properties = "/api/v1/properties"
    for n in (1, 2):
        fields = {
            "address": f"{n} Oak Street",
            "city": "Austin",
            "state": "TX",
            "zip_code": "78701",
            "property_type": "condo",
            "apn": f"APN-{n}",
        }
        created = client.post(properties, headers=admin.headers, json=fields)
        assert created.status_code == 201, created.text
        deleted = client.delete(f"{properties}/{created.json()['id']}", headers=admin.headers)
        assert deleted.status_code == 204
    csv_text = HEADER + line(1) + line(7, apn="apn 2") + line(8, apn="APN-8")
    result = run_import(database, admin, csv_text)
    assert result == {"created": 1, "duplicates": 2, "errors": [], "ignored_columns": []}
    assert addresses(database, admin) == ["1 Oak Street", "2 Oak Street", "8 Oak Street"]

    # The same file in another organization creates every row.
    rival = register(client, "Rival Realty")
    assert run_import(database, rival, csv_text) == {
        "created": 3,
        "duplicates": 0,
        "errors": [],
        "ignored_columns": [],
    }
    with database.unit_of_work(uuid.UUID(rival.organization_id)) as session:
        owners = set(session.scalars(select(Property.organization_id)))
    assert owners == {uuid.UUID(rival.organization_id)}


@pytest.mark.parametrize("batch_rows", [2, 1000])
def test_bad_rows_among_good_ones_keep_their_row_numbers(
    database: Database, admin: Account, batch_rows: int
) -> None:
    long_city = "C" * 120
    csv_text = (
        HEADER
        + line(1)  # row 2
        + "2 Oak Street,Austin,TX,78701,castle,-1,\n"  # row 3: two bad fields
        + '"3 Oak Street,\nRear",Austin,TX,78701,condo,1,\n'  # rows 4-5: one record
        + "4 Oak Street,Austin,TX,78701,condo,1,,extra\n"  # row 6: a value too many
        + f"{'A' * 300},{long_city},TX,78701,condo,1,\n"  # row 7: too long once normalized
        + "\n"  # row 8: blank
        + line(5, address="3 oak street rear")  # row 9: row 4's address
        + "6 Oak Street,,TX,78701,condo,,\n"  # row 10: no city
        + line(7)  # row 11
    )
    result = run_import(database, admin, csv_text, batch_rows=batch_rows)
    assert (result["created"], result["duplicates"]) == (3, 1)
    assert [(e["row"], e["field"]) for e in result["errors"]] == [
        (3, "property_type"),
        (3, "price"),
        (6, "row"),
        (7, "address"),
        (10, "city"),
    ]
    assert result["errors"][3]["message"] == "too long once normalized"
    assert addresses(database, admin) == ["1 Oak Street", "3 Oak Street,\nRear", "7 Oak Street"]


class RivalCommitsFirst(PropertyImport):
    """The property import, with another transaction committing a property with the address of
    row 3 after the import's own checks and before its INSERT."""

    def __init__(self, database: Database, organization_id: uuid.UUID) -> None:
        self.database, self.organization_id = database, organization_id

    def write_batch(self, session: Session, *, rows: Sequence[ImportRow], **kwargs: Any) -> Any:
        assert [row.line for row in rows] == [2, 3, 4]
        with self.database.unit_of_work(self.organization_id) as other:
            rival = PropertyIn(
                address="2 Oak St",
                city="Austin",
                state="TX",
                zip_code="78701",
                property_type="land",
            )
            create_property(other, data=rival, actor_user_id=None)
        return super().write_batch(session, rows=rows, **kwargs)


def test_a_property_committed_by_another_writer_meanwhile_is_a_duplicate(
    database: Database, admin: Account
) -> None:
    """The rest of the batch is created; the row the rival took is a duplicate."""
    organization_id = uuid.UUID(admin.organization_id)
    with database.unit_of_work(organization_id) as session:
        result = pipeline.run_import(
            session,
            data=(HEADER + line(1) + line(2) + line(3)).encode(),
            feature=RivalCommitsFirst(database, organization_id),
            actor_user_id=None,
        )
    assert (result["created"], result["duplicates"], result["errors"]) == (2, 1, [])
    assert addresses(database, admin) == ["1 Oak Street", "2 Oak St", "3 Oak Street"]
    assert counts(database, admin) == {"properties": 3, "history": 3, "audit": 3}


def test_nothing_stays_when_the_surrounding_transaction_rolls_back(
    database: Database, admin: Account
) -> None:
    csv_text = HEADER + "".join(line(n) for n in range(5))
    with (
        pytest.raises(RuntimeError),
        database.unit_of_work(uuid.UUID(admin.organization_id)) as session,
    ):
        result = import_properties_csv(session, csv_text.encode(), None, None, batch_rows=2)
        assert result["created"] == 5
        raise RuntimeError("the task failed after the import")
    assert counts(database, admin) == {"properties": 0, "history": 0, "audit": 0}
    # And the same file imports afterwards, in the same way.
    assert run_import(database, admin, csv_text, batch_rows=2)["created"] == 5
