"""Property CSV import. The other use cases of properties live in their own modules: `queries`
(lists and search), `crud` (intake, edits, archive), `gallery` (images), `valuations` and
`history`. Functions flush but never commit; they raise domain errors, never HTTP ones."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from reos.api.imports import read_records
from reos.core.db import TenancyError, current_org
from reos.core.errors import ValidationFailed
from reos.properties import importing
from reos.properties.crud import property_identity as _identity
from reos.properties.schemas import PropertyIn

# The fields a body sets; `PropertyIn` and the CSV columns are the same list.
PROPERTY_FIELDS = tuple(PropertyIn.model_fields)
REQUIRED_COLUMNS = tuple(name for name, f in PropertyIn.model_fields.items() if f.is_required())


# --- CSV import ---------------------------------------------------------------------------------

ImportResult = dict[str, Any]


def _row_problem(row: int, field: str, message: str) -> dict[str, Any]:
    return {"row": row, "field": field, "message": message}


def _header_problems(header: list[str]) -> list[dict[str, Any]]:
    problems = [
        _row_problem(1, column, "unknown column")
        for column in header
        if column not in PROPERTY_FIELDS
    ]
    problems += [
        _row_problem(1, column, "required column is missing")
        for column in REQUIRED_COLUMNS
        if column not in header
    ]
    seen: set[str] = set()
    for column in header:
        if column in seen:
            problems.append(_row_problem(1, column, "column appears twice"))
        seen.add(column)
    return problems


def import_properties_csv(
    session: Session,
    data: bytes,
    actor_user_id: uuid.UUID | None,
    progress: Callable[[int, int], None] | None = None,
    *,
    batch_rows: int = importing.BATCH_ROWS,
) -> ImportResult:
    """Create the properties of a CSV whose columns are the POST /properties fields.

    Each row is validated like a POST body; a bad row is reported and skipped, the valid ones
    are written `batch_rows` at a time (see `importing`). A row whose address or APN is already
    taken (in the organization, or by an earlier row of the file) is a duplicate, not an error,
    so importing the same file again creates nothing. `progress(done, total)` follows each batch.
    """
    result: ImportResult = {"created": 0, "duplicates": 0, "errors": []}
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result["errors"].append(_row_problem(line, "file", "not UTF-8 text"))
        return result
    try:
        header, records = read_records(text)
    except csv.Error as exc:
        result["errors"].append(_row_problem(1, "file", f"not a readable CSV: {exc}"))
        return result
    if not header:
        result["errors"].append(_row_problem(1, "file", "the file is empty"))
        return result
    header_problems = _header_problems(header)
    if header_problems:
        result["errors"] = header_problems
        return result
    organization_id = current_org(session)
    if organization_id is None:
        raise TenancyError("properties imported outside any organization")
    created_earlier = importing.Claims()
    # One instant per row, in file order, as when rows were created one after the other: a
    # newest-first list still shows the file's last row first.
    started = datetime.now(UTC)
    total = len(records)
    for start in range(0, total, batch_rows):
        batch = records[start : start + batch_rows]
        rows = _valid_rows(header, batch, start, started, result["errors"])
        chosen = importing.to_insert(session, rows, created_earlier)
        created = importing.insert_rows(
            session, chosen, organization_id=organization_id, actor_user_id=actor_user_id
        )
        for row in chosen:
            if row.id in created:
                created_earlier.add(row.normalized_address, row.apn_hash)
        result["created"] += len(created)
        result["duplicates"] += len(rows) - len(created)
        if progress is not None:
            progress(start + len(batch), total)
    return result


def _valid_rows(
    header: list[str],
    records: list[tuple[int, list[str]]],
    first: int,
    started: datetime,
    errors: list[dict[str, Any]],
) -> list[importing.Row]:
    """The records that make a valid property; the problems of the others go to `errors`."""
    rows = []
    for index, (line, values) in enumerate(records, start=first):
        if len(values) > len(header):
            errors.append(_row_problem(line, "row", "more values than columns"))
            continue
        # A blank cell is a missing value; required fields then say so themselves.
        fields = {name: value for name, value in zip(header, values, strict=False) if value.strip()}
        try:
            body = PropertyIn.model_validate(fields)
            normalized, apn_digest = _identity(body)
        except ValidationError as exc:
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else "row"
                errors.append(_row_problem(line, field, error["msg"]))
            continue
        except ValidationFailed as exc:
            for problem in exc.errors:
                errors.append(
                    _row_problem(line, problem.field.removeprefix("body."), problem.message)
                )
            continue
        rows.append(
            importing.Row(
                line=line,
                fields=body.model_dump(),
                normalized_address=normalized,
                apn_hash=apn_digest,
                created_at=started + timedelta(microseconds=index),
            )
        )
    return rows
