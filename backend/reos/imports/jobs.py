"""CSV imports as background tasks: the job that reads a stored upload back and runs the
pipeline in one transaction, and the check the upload passes before that task starts."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from providers.storage.port import ObjectNotFound
from reos import events
from reos.api.imports import CsvImportArgs
from reos.core.db import utcnow
from reos.core.errors import FieldProblem, ValidationFailed
from reos.events.catalog import ImportFinished
from reos.imports.pipeline import ImportFeature, read_upload, run_import
from reos.imports.reading import UnusableFile
from reos.jobs import JobCancelled, JobContext, JobSpec, PermanentJobError
from reos.models import TaskRun

# Progress is written at most this often: a long import must not become a write per batch.
PROGRESS_EVERY_S = 0.5


def upload_check(feature: ImportFeature) -> Callable[[bytes, int], None]:
    """What an upload for `feature` must pass to start a task: (data, max_rows) → None, or a
    ValidationFailed naming the file or its missing columns (`body.file.<column>`)."""

    def check(data: bytes, max_rows: int) -> None:
        try:
            read_upload(data, feature=feature, max_rows=max_rows)
        except UnusableFile as exc:
            problems = [
                FieldProblem(
                    "body.file" if p["field"] == "file" else f"body.file.{p['field']}",
                    p["message"] if p["row"] == 1 else f"line {p['row']}: {p['message']}",
                )
                for p in exc.problems
            ]
            raise ValidationFailed(
                "The file cannot be imported: "
                + "; ".join(f"{p.field.removeprefix('body.')}: {p.message}" for p in problems),
                errors=problems,
            ) from exc

    return check


def import_job(
    name: str, feature: ImportFeature, description: str, finished: type[ImportFinished]
) -> JobSpec:
    """`finished` is the event that says the import's rows are in (with its counts); it is
    recorded in the import's own transaction, and what follows an import subscribes to it."""

    def run(context: JobContext, args: CsvImportArgs) -> dict[str, Any]:
        try:
            stored = context.providers.storage.get(args.storage_key)
        except ObjectNotFound as exc:
            raise PermanentJobError(f"the uploaded file {args.filename!r} is gone") from exc
        with context.session() as session:
            result = run_import(
                session,
                data=stored.data,
                feature=feature,
                actor_user_id=args.actor_user_id,
                progress=_progress_reporter(context, session),
                max_rows=context.settings.import_max_rows,
            )
            summary = finished(
                task_id=context.run_id,
                filename=args.filename,
                created=result["created"],
                duplicates=result["duplicates"],
                errors=len(result["errors"]),
                actor_user_id=args.actor_user_id,
            )
            events.record(session, summary)
        return {**result, "filename": args.filename}

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
