"""The pipeline end to end through a real feature (leads): what a file says, the rows it
creates, and the errors it reports, sorted by the file's own line numbers."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from reos.core.db import Database
from reos.imports.pipeline import run_import
from reos.leads.importing import LEAD_IMPORT
from reos.models import Lead
from tests.conftest import Account, register


def import_leads(database: Database, account: Account, data: bytes, **options: Any) -> Any:
    with database.unit_of_work(uuid.UUID(account.organization_id)) as session:
        return run_import(
            session,
            data=data,
            feature=LEAD_IMPORT,
            actor_user_id=uuid.UUID(account.id),
            **options,
        )


def stored(database: Database, account: Account) -> list[tuple[str, str | None]]:
    with database.unit_of_work(uuid.UUID(account.organization_id)) as session:
        query = select(Lead.last_name, Lead.email).order_by(Lead.last_name)
        return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def test_a_spreadsheet_export_with_bom_semicolons_and_spaced_names_imports(
    client: TestClient, database: Database, admin: Account
) -> None:
    data = "\ufeffFirst Name;Last Name;E-mail;Email;Favourite Colour\r\n".encode() + (
        b"Ada;Lovelace;;ada@example.com;green\r\nAlan;Turing;;alan@example.com;\r\n"
    )
    result = import_leads(database, admin, data)
    assert (result["created"], result["duplicates"], result["errors"]) == (2, 0, [])
    assert result["ignored_columns"] == ["e_mail", "favourite_colour"]
    assert stored(database, admin) == [
        ("Lovelace", "ada@example.com"),
        ("Turing", "alan@example.com"),
    ]


def test_errors_of_every_kind_come_sorted_by_row_across_batches(
    client: TestClient, database: Database, admin: Account
) -> None:
    stranger = register(client, "Rival Realty")
    data = (
        "first_name,last_name,email,assigned_to\n"
        f"Ann,Lee,ann@example.com,{stranger.id}\n"  # row 2: refused by the database check
        "Bob,Kim,not-an-email,\n"  # row 3: refused by the schema
        "Cy,Ng,cy@example.com,,surplus\n"  # row 4: a value too many
        ",Oh,dee@example.com,\n"  # row 5: first_name missing
        "Eve,Li,eve@example.com,\n"  # row 6
    ).encode()
    result = import_leads(database, admin, data, batch_rows=2)
    assert [(e["row"], e["field"]) for e in result["errors"]] == [
        (2, "assigned_to"),
        (3, "email"),
        (4, "row"),
        (5, "first_name"),
    ]
    assert result["errors"][2]["message"] == "5 values for 4 columns"
    assert (result["created"], result["duplicates"]) == (1, 0)


def test_a_file_above_the_row_limit_imports_nothing(
    client: TestClient, database: Database, admin: Account
) -> None:
    data = b"first_name,last_name\n" + b"".join(b"A,N%d\n" % n for n in range(4))
    result = import_leads(database, admin, data, max_rows=3)
    assert result["created"] == 0
    assert result["errors"] == [
        {"row": 5, "field": "file", "message": "more than 3 rows; split the file"}
    ]
    assert stored(database, admin) == []


def test_cells_that_look_like_formulas_are_stored_as_given(
    client: TestClient, database: Database, admin: Account
) -> None:
    data = b'first_name,last_name,notes\n=HYPERLINK("x"),@Lee,-1+2\n'
    assert import_leads(database, admin, data)["created"] == 1
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        lead = session.scalars(select(Lead)).one()
    assert (lead.first_name, lead.last_name, lead.notes) == ('=HYPERLINK("x")', "@Lee", "-1+2")
