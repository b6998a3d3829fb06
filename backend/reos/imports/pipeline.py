"""One CSV import pipeline for every feature: read once, validate each row with the feature's
schema, drop duplicates, and write set-based batches through the feature's writer.

A feature supplies what differs (`ImportFeature`): its row schema, the keys that make a row a
duplicate, how to find which of those keys are stored, and a batch writer that inserts with
ON CONFLICT DO NOTHING and writes its own history and audit rows. Everything runs in the
caller's transaction, so a failed import leaves nothing half-written.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypedDict

from pydantic import BaseModel, ValidationError
from sqlalchemy import text
from sqlalchemy.orm import Session

from reos.core.db import TenancyError, current_org
from reos.core.errors import ValidationFailed
from reos.imports.reading import CsvFile, RowError, UnusableFile, read_csv

BATCH_ROWS = 5000
MAX_ROWS = 100_000
# A key names what it is ("email", "address", ...) and its value, so keys of different kinds
# never collide.
Key = tuple[str, Hashable]


class ImportResult(TypedDict):
    created: int
    duplicates: int
    errors: list[RowError]
    ignored_columns: list[str]


@dataclass(slots=True)
class ImportRow:
    """A valid row: its line in the file, the validated record, and the keys it claims."""

    line: int
    record: Any  # an instance of the feature's schema
    keys: tuple[Key, ...]
    created_at: datetime
    id: uuid.UUID = field(default_factory=uuid.uuid4)


class ImportFeature(Protocol):
    """What a feature gives the pipeline."""

    # Read-only members, so a feature may narrow them (its own schema class).
    @property
    def name(self) -> str:
        """Names the feature in the import lock: imports of different features never wait."""
        ...

    @property
    def schema(self) -> type[BaseModel]:
        """One row, validated as the feature's POST body is."""
        ...

    @property
    def constrained(self) -> frozenset[str]:
        """Key kinds a unique constraint enforces; a key of another kind is always looked up."""
        ...

    def dedupe_keys(self, record: Any) -> tuple[Key, ...]:
        """The keys that make another row a duplicate of this one; raises ValidationFailed
        when the record cannot be identified."""
        ...

    def stored_keys(self, session: Session, *, keys: set[Key]) -> set[Key]:
        """Those of `keys` that a stored row (archived ones included) holds."""
        ...

    def check_rows(self, session: Session, *, rows: Sequence[ImportRow]) -> list[RowError]:
        """Problems only the database can tell (references to other rows)."""
        ...

    def write_batch(
        self,
        session: Session,
        *,
        rows: Sequence[ImportRow],
        organization_id: uuid.UUID,
        actor_user_id: uuid.UUID | None,
    ) -> set[uuid.UUID]:
        """Insert the rows whose keys are free (ON CONFLICT DO NOTHING), with their history and
        audit, and return the ids created."""
        ...


def columns_of(feature: ImportFeature) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The columns a file may have, and those it must have."""
    fields = feature.schema.model_fields
    return tuple(fields), tuple(name for name, info in fields.items() if info.is_required())


def read_upload(data: bytes, *, feature: ImportFeature, max_rows: int) -> CsvFile:
    columns, required = columns_of(feature)
    return read_csv(data, columns=columns, required=required, max_rows=max_rows)


def run_import(
    session: Session,
    *,
    data: bytes,
    feature: ImportFeature,
    actor_user_id: uuid.UUID | None,
    progress: Callable[[int, int], None] | None = None,
    batch_rows: int = BATCH_ROWS,
    max_rows: int = MAX_ROWS,
) -> ImportResult:
    """Import the rows of `data` that are valid and new; report the others by their line.

    A row whose key is already stored (archived or not), or taken by an earlier created row of
    the file, is a duplicate, not an error, so importing the same file twice creates nothing.
    `progress(done, total)` follows each batch.
    """
    result: ImportResult = {"created": 0, "duplicates": 0, "errors": [], "ignored_columns": []}
    try:
        csv_file = read_upload(data, feature=feature, max_rows=max_rows)
    except UnusableFile as exc:
        result["errors"] = exc.problems
        return result
    result["ignored_columns"] = csv_file.ignored_columns
    organization_id = current_org(session)
    if organization_id is None:
        raise TenancyError(f"{feature.name} imported outside any organization")
    _lock_imports(session, feature.name, organization_id)
    created_earlier: set[Key] = set()
    # One instant per row, in file order, as when rows were created one after the other: a
    # newest-first list still shows the file's last row first.
    started = datetime.now(UTC)
    total = len(csv_file.records)
    for start in range(0, total, batch_rows):
        batch = csv_file.records[start : start + batch_rows]
        rows = _valid_rows(feature, csv_file.header, batch, start, started, result["errors"])
        refused = feature.check_rows(session, rows=rows)
        if refused:
            result["errors"].extend(refused)
            bad_lines = {problem["row"] for problem in refused}
            rows = [row for row in rows if row.line not in bad_lines]
        chosen = to_insert(session, feature, rows, created_earlier)
        created = feature.write_batch(
            session, rows=chosen, organization_id=organization_id, actor_user_id=actor_user_id
        )
        for row in chosen:
            if row.id in created:
                created_earlier.update(row.keys)
        result["created"] += len(created)
        result["duplicates"] += len(rows) - len(created)
        if progress is not None:
            progress(start + len(batch), total)
    # Stable: a row's problems keep the order of its columns.
    result["errors"].sort(key=lambda problem: problem["row"])
    return result


def _lock_imports(session: Session, name: str, organization_id: uuid.UUID) -> None:
    """On PostgreSQL, one import of a feature at a time per organization, until commit.

    Keys without a unique constraint (a lead known only by name) are checked by a look-up; two
    imports running side by side would both find them free. The lock makes the second wait for
    the first's commit, after which its look-ups see what the first wrote.
    """
    if session.connection().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:name), hashtext(:organization))"),
            {"name": f"import:{name}", "organization": str(organization_id)},
        )


def _valid_rows(
    feature: ImportFeature,
    header: list[str | None],
    records: list[tuple[int, list[str]]],
    first: int,
    started: datetime,
    errors: list[RowError],
) -> list[ImportRow]:
    """The records that make a valid row; the problems of the others go to `errors`."""
    rows = []
    for index, (line, values) in enumerate(records, start=first):
        if len(values) > len(header):
            message = f"{len(values)} values for {len(header)} columns"
            errors.append({"row": line, "field": "row", "message": message})
            continue
        # A blank cell is a missing value, as an absent field is in a JSON body; required fields
        # then say so themselves.
        cells = {
            name: value.strip()
            for name, value in zip(header, values, strict=False)
            if name is not None and value.strip()
        }
        try:
            record = feature.schema.model_validate(cells)
            keys = feature.dedupe_keys(record)
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else "row"
                errors.append({"row": line, "field": name, "message": error["msg"]})
            continue
        except ValidationFailed as exc:
            for problem in exc.errors:
                name = problem.field.removeprefix("body.")
                errors.append({"row": line, "field": name, "message": problem.message})
            continue
        rows.append(ImportRow(line, record, keys, started + timedelta(microseconds=index)))
    return rows


def to_insert(
    session: Session, feature: ImportFeature, rows: list[ImportRow], created_earlier: set[Key]
) -> list[ImportRow]:
    """The rows of a batch to insert, in file order, without those an earlier row of the file
    takes the place of.

    As when rows were created one by one, an earlier row counts only if it was created: one that
    was itself a duplicate of a stored row claims nothing. Rows created by earlier batches are in
    `created_earlier`. Within the batch, whether an earlier row sharing a key with a later one
    gets created depends on what is stored, so the keys of such rows (there are none in most
    files) are looked up, as are keys no constraint enforces; every other row is left to
    ON CONFLICT.
    """
    fresh = [row for row in rows if created_earlier.isdisjoint(row.keys)]
    uses = Counter(key for row in fresh for key in set(row.keys))
    looked_up = {
        key
        for row in fresh
        if any(uses[key] > 1 or key[0] not in feature.constrained for key in row.keys)
        for key in row.keys
    }
    stored = feature.stored_keys(session, keys=looked_up) if looked_up else set()
    chosen: list[ImportRow] = []
    taken: set[Key] = set()
    for row in fresh:
        if taken.isdisjoint(row.keys) and stored.isdisjoint(row.keys):
            taken.update(row.keys)
            chosen.append(row)
    return chosen


def importer_for(feature: ImportFeature) -> Callable[..., ImportResult]:
    """`feature`'s import as one call, `(session, data, actor_user_id, progress=None, **options)`,
    for the benchmarks and tests that drive an import without a task."""

    def import_csv(
        session: Session,
        data: bytes,
        actor_user_id: uuid.UUID | None,
        progress: Callable[[int, int], None] | None = None,
        **options: Any,
    ) -> ImportResult:
        return run_import(
            session,
            data=data,
            feature=feature,
            actor_user_id=actor_user_id,
            progress=progress,
            **options,
        )

    return import_csv
