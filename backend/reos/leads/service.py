"""Lead CSV import. The other use cases of leads live in their own modules: `queries`,
`crud`, `timeline` and `scores`. Functions work in the caller's session, flush and never commit.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable
from typing import Literal, TypedDict

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reos.api.imports import read_records
from reos.core.errors import Conflict, ValidationFailed
from reos.leads.crud import _savepoint, create_lead
from reos.leads.schemas import LeadIn
from reos.models import Lead

# --- CSV import ---------------------------------------------------------------------------------

IMPORT_COLUMNS = tuple(LeadIn.model_fields)
REQUIRED_COLUMNS = tuple(n for n, f in LeadIn.model_fields.items() if f.is_required())


class RowError(TypedDict):
    row: int  # the CSV's line number; the header is row 1
    field: str  # a column, or "file" / "row" when no single column is to blame
    message: str


class ImportResult(TypedDict):
    created: int
    duplicates: int
    errors: list[RowError]


def _header_problems(header: list[str]) -> list[RowError]:
    problems: list[RowError] = []
    for column in REQUIRED_COLUMNS:
        if column not in header:
            problems.append({"row": 1, "field": column, "message": "required column is missing"})
    for column in sorted(set(header)):
        if column not in IMPORT_COLUMNS:
            problems.append({"row": 1, "field": column or "file", "message": "unknown column"})
        elif header.count(column) > 1:
            problems.append({"row": 1, "field": column, "message": "column appears twice"})
    return problems


def _read_csv(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]], list[RowError]]:
    """The header, the non-blank records with the line each starts on, and file-level problems."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [], [{"row": 1, "field": "file", "message": "the file is not UTF-8 text"}]
    try:
        header, records = read_records(text)
    except csv.Error as exc:
        return [], [], [{"row": 1, "field": "file", "message": f"unreadable: {exc}"}]
    header = [column.lower() for column in header]
    problems = _header_problems(header)
    return header, ([] if problems else records), problems


def _same_name_without_contact(session: Session, data: LeadIn) -> bool:
    # A row with neither email nor phone can only be recognised by its name; without this, every
    # re-import of such a row would add it again.
    query = select(Lead.id).where(
        func.lower(Lead.first_name) == data.first_name.lower(),
        func.lower(Lead.last_name) == data.last_name.lower(),
        Lead.email.is_(None),
        Lead.phone.is_(None),
    )
    return session.scalar(query.execution_options(include_archived=True).limit(1)) is not None


def _import_row(
    session: Session,
    *,
    header: list[str],
    row: int,
    values: list[str],
    actor_user_id: uuid.UUID | None,
) -> Literal["created", "duplicate"] | list[RowError]:
    """ "created", "duplicate", or the row's problems."""
    if len(values) > len(header):
        message = f"{len(values)} values for {len(header)} columns"
        return [{"row": row, "field": "row", "message": message}]
    # An empty cell means "not given", as an absent field does in the JSON body.
    raw = {column: value.strip() for column, value in zip(header, values, strict=False)}
    try:
        data = LeadIn.model_validate({k: v for k, v in raw.items() if v})
    except ValidationError as exc:
        return [
            {"row": row, "field": str(e["loc"][0]) if e["loc"] else "row", "message": e["msg"]}
            for e in exc.errors()
        ]
    if data.email is None and data.phone is None and _same_name_without_contact(session, data):
        return "duplicate"
    try:
        with _savepoint(session):
            create_lead(session, actor_user_id=actor_user_id, data=data, origin="import")
    except Conflict:
        return "duplicate"
    except ValidationFailed as exc:
        return [
            {"row": row, "field": p.field.removeprefix("body."), "message": p.message}
            for p in exc.errors
        ]
    except IntegrityError:
        message = "conflicts with a lead written at the same time; import the file again"
        return [{"row": row, "field": "row", "message": message}]
    return "created"


def import_leads_csv(
    session: Session,
    data: bytes,
    actor_user_id: uuid.UUID | None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import leads from a CSV whose columns are the fields of POST /leads.

    Each row is validated like a POST body and written in its own savepoint, so valid rows are
    imported even when others fail. Rows whose email or phone (or, lacking both, name) is
    already known, in the organization or earlier in the file, are counted as duplicates, which
    makes importing the same file twice harmless. `progress(done, total)` follows every row.
    """
    result: ImportResult = {"created": 0, "duplicates": 0, "errors": []}
    header, records, problems = _read_csv(data)
    result["errors"].extend(problems)
    for done, (row, values) in enumerate(records, start=1):
        outcome = _import_row(
            session, header=header, row=row, values=values, actor_user_id=actor_user_id
        )
        if outcome == "created":
            result["created"] += 1
        elif outcome == "duplicate":
            result["duplicates"] += 1
        else:
            result["errors"].extend(outcome)
        if progress is not None:
            progress(done, len(records))
    # A file-level problem met mid-file belongs after the rows read before it.
    result["errors"].sort(key=lambda error: error["row"])
    return result
