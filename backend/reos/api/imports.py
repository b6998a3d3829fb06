"""CSV imports as background tasks, shared by every feature that imports rows.

The upload is checked (size, text), stored under the organization's storage prefix, and a task
is started with the stored key; the worker reads the file back and runs the feature's importer
in one transaction, reporting progress as it goes. The task's result is the importer's
`{created, duplicates, errors: [{row, field, message}]}`.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request, UploadFile
from pydantic import BaseModel, ConfigDict
from sqlalchemy import update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from providers.storage.port import ObjectNotFound
from reos.api.deps import container_of
from reos.core.db import utcnow
from reos.core.errors import FieldProblem, PayloadTooLarge, ValidationFailed
from reos.core.http.unit_of_work import unit_of_work
from reos.core.object_keys import organization_key
from reos.jobs import JobCancelled, JobContext, JobSpec, PermanentJobError, enqueue
from reos.models import TaskRun

Importer = Callable[..., Mapping[str, Any]]
# Progress is written at most this often: a row-by-row import must not become a write per row.
PROGRESS_EVERY_S = 0.5
CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"})


class CsvImportArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    storage_key: str
    filename: str
    actor_user_id: uuid.UUID | None = None


def import_job(
    name: str,
    importer: Importer,
    description: str,
    after_commit: Callable[[JobContext], None] | None = None,
) -> JobSpec:
    """`after_commit` runs once the imported rows are committed (to retire cached reads)."""

    def run(context: JobContext, args: CsvImportArgs) -> dict[str, Any]:
        try:
            stored = context.providers.storage.get(args.storage_key)
        except ObjectNotFound as exc:
            raise PermanentJobError(f"the uploaded file {args.filename!r} is gone") from exc
        with context.session() as session:
            report = _progress_reporter(context, session)
            result = importer(session, stored.data, args.actor_user_id, report)
        if after_commit is not None:
            after_commit(context)
        return {**dict(result), "filename": args.filename}

    return JobSpec(
        name=name,
        arguments=CsvImportArgs,
        run=run,
        description=description,
        queue="low_priority",
        startable=False,
    )


def _progress_reporter(context: JobContext, session: Session) -> Callable[[int, int], None]:
    """Progress from inside the import's transaction. On PostgreSQL it is written by a separate
    transaction, so the tasks API shows it live; SQLite allows one writer at a time and the
    import holds it, so there the figures land with the import's own commit."""
    separate = session.get_bind().dialect.name == "postgresql"
    last = [0.0]

    def report(processed: int, total: int) -> None:
        now = time.monotonic()
        if processed < total and now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        if separate:
            context.progress(processed, total)
        else:
            session.execute(
                update(TaskRun)
                .where(TaskRun.id == context.run_id)
                .values(progress_processed=processed, progress_total=total, heartbeat_at=utcnow())
            )
            if context.cancel_requested.is_set():
                raise JobCancelled()

    return report


class TaskAccepted(BaseModel):
    """What an endpoint that starts a background task answers (202)."""

    task_id: uuid.UUID
    status: str
    status_url: str


def accepted(run: TaskRun) -> TaskAccepted:
    return TaskAccepted(task_id=run.id, status=run.status, status_url=f"/api/v1/tasks/{run.id}")


async def accept_csv(
    request: Request,
    spec: JobSpec,
    upload: UploadFile,
    *,
    organization_id: uuid.UUID,
    user_id: uuid.UUID,
) -> TaskAccepted:
    """Check and store an uploaded CSV, and start `spec` on it after the request commits."""
    limit: int = container_of(request).settings.storage_max_upload_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"The file is larger than {limit} bytes.")
    if not data.strip():
        raise ValidationFailed("The file is empty.", errors=[FieldProblem("body.file", "empty")])
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            "The file is not UTF-8 text.",
            errors=[FieldProblem("body.file", "must be a UTF-8 CSV file")],
        ) from exc
    filename = (upload.filename or "import.csv")[-200:]
    key = organization_key(organization_id, f"imports/{uuid.uuid4().hex}.csv")
    arguments = CsvImportArgs(storage_key=key, filename=filename, actor_user_id=user_id)

    def store_and_start() -> TaskRun:
        container_of(request).providers.storage.put(key, data, "text/csv")
        return enqueue(unit_of_work(request.scope).session, spec, arguments, created_by=user_id)

    return accepted(await run_in_threadpool(store_and_start))


def read_records(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """A CSV's header (stripped) and each non-blank record with the line it starts on, the
    header being line 1; a quoted value may span lines. Raises csv.Error on a broken file."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [column.strip() for column in next(reader, [])]
    records = []
    line = reader.line_num
    for values in reader:
        start, line = line + 1, reader.line_num
        if any(value.strip() for value in values):
            records.append((start, values))
    return header, records


def begin_before_savepoints(session: Session) -> None:
    """Make the per-row savepoints of an import nest inside the caller's transaction.

    pysqlite opens a transaction only before INSERT, UPDATE or DELETE; a SAVEPOINT sent first
    would itself be the outermost transaction, and releasing it would commit the row even if
    the caller then rolls back. So on SQLite the transaction is opened explicitly.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not getattr(raw, "in_transaction", True):
        connection.exec_driver_sql("BEGIN")
