"""The lead CSV import written in batches: audit rows for exactly the leads created, duplicates
by email and E.164 phone within the file and against stored leads (archived ones included,
committed by another writer meanwhile, or by a concurrent import), and the caller's transaction
deciding."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reos.core.db import Database
from reos.imports import pipeline
from reos.imports.pipeline import ImportRow
from reos.leads.crud import create_lead
from reos.leads.importing import LeadImport, import_leads_csv
from reos.leads.schemas import LeadIn
from reos.models import AuditLog, Lead, LeadSource
from tests.conftest import Account

HEADER = "first_name,last_name,email,phone,source\n"


def line(n: int, email: str | None = None, phone: str = "", source: str = "") -> str:
    return f"Lead,N{n:05d},{email if email is not None else f'l{n}@example.com'},{phone},{source}\n"


def run(database: Database, account: Account, csv_text: str, **options: Any) -> Any:
    with database.unit_of_work(uuid.UUID(account.organization_id)) as session:
        return import_leads_csv(session, csv_text.encode(), uuid.UUID(account.id), **options)


def counts(database: Database, account: Account) -> dict[str, int]:
    with database.unit_of_work(uuid.UUID(account.organization_id)) as session:
        leads = select(func.count()).select_from(Lead)
        audit = select(func.count()).where(AuditLog.action == "lead.created")
        return {
            "leads": session.scalar(leads.execution_options(include_archived=True)) or 0,
            "audit": session.scalar(audit) or 0,
        }


def last_names(database: Database, account: Account) -> list[str]:
    with database.unit_of_work(uuid.UUID(account.organization_id)) as session:
        query = select(Lead.last_name).execution_options(include_archived=True)
        return sorted(session.scalars(query))


def test_a_large_file_is_imported_batch_by_batch_with_one_audit_entry_per_lead(
    client: TestClient, database: Database, admin: Account
) -> None:
    csv_text = HEADER + "".join(
        line(n, source="Zillow" if n % 2 else "zillow") for n in range(2500)
    )
    progress: list[tuple[int, int]] = []
    result = run(
        database, admin, csv_text, batch_rows=1000, progress=lambda d, t: progress.append((d, t))
    )
    assert (result["created"], result["duplicates"], result["errors"]) == (2500, 0, [])
    assert progress == [(1000, 2500), (2000, 2500), (2500, 2500)]
    actor = uuid.UUID(admin.id)
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        leads = {lead.id: lead for lead in session.scalars(select(Lead))}
        audit = list(session.scalars(select(AuditLog).where(AuditLog.action == "lead.created")))
        sources = list(session.scalars(select(LeadSource)))
    assert sorted(uuid.UUID(a.entity_id or "") for a in audit) == sorted(leads)
    assert all(
        a.actor_user_id == actor and a.changes == {"origin": "import", "status": "new"}
        for a in audit
    )
    # One source, named as the file first spelled it, shared by every lead whatever the casing.
    assert [s.name for s in sources] == ["zillow"]
    assert {(lead.source, lead.source_id) for lead in leads.values()} == {("zillow", sources[0].id)}
    # Newest first lists the file's last row first, as when rows were created one by one.
    newest = client.get("/api/v1/leads?page_size=2", headers=admin.headers).json()
    assert [lead["last_name"] for lead in newest["items"]] == ["N02499", "N02498"]

    again = run(database, admin, csv_text, batch_rows=1000)
    assert (again["created"], again["duplicates"]) == (0, 2500)
    assert counts(database, admin) == {"leads": 2500, "audit": 2500}


@pytest.mark.parametrize("batch_rows", [1, 2, 1000])
def test_an_earlier_row_of_the_file_takes_its_email_and_phone(
    database: Database, admin: Account, batch_rows: int
) -> None:
    csv_text = (
        HEADER
        + line(1, phone="(415) 555-0100")  # row 2: created
        + line(2, email="L1@EXAMPLE.COM")  # row 3: row 2's email, other casing
        + line(3, phone="+1 415 555 0100")  # row 4: row 2's phone, other writing
        + "Fay,NoContact,,,\n"  # row 5: created, known by name only
        + "fay,nocontact,,,\n"  # row 6: row 5's name
        + line(4)  # row 7: created
    )
    result = run(database, admin, csv_text, batch_rows=batch_rows)
    assert (result["created"], result["duplicates"], result["errors"]) == (3, 3, [])
    assert last_names(database, admin) == ["N00001", "N00004", "NoContact"]


@pytest.mark.parametrize("batch_rows", [1, 1000])
def test_a_row_that_is_itself_a_duplicate_claims_nothing(
    database: Database, admin: Account, batch_rows: int
) -> None:
    """As when rows were created one by one: row 2 is turned away by a stored lead's email, so
    its phone is free for row 3, whose email row 4 then repeats."""
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        create_lead(
            session,
            actor_user_id=None,
            data=LeadIn(first_name="S", last_name="Stored", email="l1@example.com"),
        )
    csv_text = (
        HEADER
        + line(1, phone="212-555-0142")  # row 2: the stored email
        + line(2, phone="212-555-0142")  # row 3: created, its phone being row 2's only
        + line(3, email="l2@example.com")  # row 4: row 3's email
    )
    result = run(database, admin, csv_text, batch_rows=batch_rows)
    assert (result["created"], result["duplicates"]) == (1, 2)
    assert last_names(database, admin) == ["N00002", "Stored"]


def test_archived_leads_keep_their_email_phone_and_name(
    client: TestClient, database: Database, admin: Account
) -> None:
    for body in (
        {"first_name": "A", "last_name": "Email", "email": "l1@example.com"},
        {"first_name": "B", "last_name": "Phone", "phone": "(415) 555-0100"},
        {"first_name": "Fay", "last_name": "NoContact"},
    ):
        created = client.post("/api/v1/leads", headers=admin.headers, json=body)
        assert created.status_code == 201, created.text
        deleted = client.delete(f"/api/v1/leads/{created.json()['id']}", headers=admin.headers)
        assert deleted.status_code == 204
    csv_text = HEADER + line(1) + line(2, phone="+14155550100") + "FAY,NOCONTACT,,,\n" + line(3)
    result = run(database, admin, csv_text)
    assert (result["created"], result["duplicates"]) == (1, 3)
    assert counts(database, admin) == {"leads": 4, "audit": 4}  # three written by the API


class RivalCommitsFirst(LeadImport):
    """The lead import, with another transaction committing a lead with the email of row 3
    after the import's own checks and before its INSERT."""

    def __init__(self, database: Database, organization_id: uuid.UUID) -> None:
        self.database, self.organization_id = database, organization_id

    def write_batch(self, session: Session, *, rows: Sequence[ImportRow], **kwargs: Any) -> Any:
        assert [row.line for row in rows] == [2, 3, 4]
        with self.database.unit_of_work(self.organization_id) as other:
            rival = LeadIn(first_name="R", last_name="Rival", email="l2@example.com")
            create_lead(other, actor_user_id=None, data=rival)
        return super().write_batch(session, rows=rows, **kwargs)


def test_a_lead_committed_by_another_writer_meanwhile_is_a_duplicate(
    database: Database, admin: Account
) -> None:
    organization_id = uuid.UUID(admin.organization_id)
    with database.unit_of_work(organization_id) as session:
        result = pipeline.run_import(
            session,
            data=(HEADER + line(1) + line(2) + line(3)).encode(),
            feature=RivalCommitsFirst(database, organization_id),
            actor_user_id=None,
        )
    assert (result["created"], result["duplicates"], result["errors"]) == (2, 1, [])
    assert last_names(database, admin) == ["N00001", "N00003", "Rival"]
    assert counts(database, admin) == {"leads": 3, "audit": 3}  # one written by the rival


class PausesAfterWriting(LeadImport):
    """The lead import, holding its transaction open after its batch until told to go on."""

    def __init__(self) -> None:
        self.written, self.go_on = threading.Event(), threading.Event()

    def write_batch(self, session: Session, **kwargs: Any) -> Any:
        created = super().write_batch(session, **kwargs)
        self.written.set()
        assert self.go_on.wait(30)
        return created


def test_two_imports_at_once_do_not_both_create_a_lead_known_only_by_name(
    database: Database, admin: Account
) -> None:
    """No constraint guards a lead without email or phone; the second import waits for the
    first's commit (PostgreSQL's per-organization import lock) and then finds its leads."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time anyway")
    csv_text = HEADER + "Fay,NoContact,,,\n" + line(1)
    organization_id = uuid.UUID(admin.organization_id)
    first = PausesAfterWriting()
    results: dict[str, Any] = {}

    def import_with(name: str, feature: LeadImport) -> None:
        with database.unit_of_work(organization_id) as session:
            results[name] = pipeline.run_import(
                session, data=csv_text.encode(), feature=feature, actor_user_id=None
            )

    one = threading.Thread(target=import_with, args=("first", first))
    two = threading.Thread(target=import_with, args=("second", LeadImport()))
    one.start()
    assert first.written.wait(30)
    two.start()
    time.sleep(0.5)
    assert "second" not in results  # waiting for the first import's transaction
    first.go_on.set()
    one.join(30)
    two.join(30)
    assert (results["first"]["created"], results["second"]["created"]) == (2, 0)
    assert results["second"]["duplicates"] == 2
    assert counts(database, admin) == {"leads": 2, "audit": 2}


def test_nothing_stays_when_the_surrounding_transaction_rolls_back(
    database: Database, admin: Account
) -> None:
    csv_text = HEADER + "".join(line(n, source="Referral") for n in range(5))
    with (
        pytest.raises(RuntimeError),
        database.unit_of_work(uuid.UUID(admin.organization_id)) as session,
    ):
        assert import_leads_csv(session, csv_text.encode(), None, batch_rows=2)["created"] == 5
        raise RuntimeError("the task failed after the import")
    assert counts(database, admin) == {"leads": 0, "audit": 0}
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        assert session.scalar(select(func.count()).select_from(LeadSource)) == 0
    assert run(database, admin, csv_text, batch_rows=2)["created"] == 5
