"""Accepting a CSV upload over HTTP: size and content checked, the file stored under the
organization's storage prefix, and the import task started once the request commits.

The import itself (reading, validation, batches) is `reos.imports`; the check an upload must
pass is the feature's, handed in by its router, so a file that cannot be imported is a 422 now
rather than a failed task later.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import Request, UploadFile
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from reos.api.deps import container_of
from reos.core.errors import PayloadTooLarge
from reos.core.http.unit_of_work import unit_of_work
from reos.core.object_keys import organization_key
from reos.jobs import JobSpec, TaskAccepted, accepted, enqueue
from reos.models import TaskRun

# (data, max_rows) → None, or ValidationFailed naming what makes the file unusable.
UploadCheck = Callable[[bytes, int], None]


class CsvImportArgs(BaseModel):
    """What the import task is given: where the upload is stored, and who sent it."""

    model_config = ConfigDict(extra="forbid")

    storage_key: str
    filename: str
    actor_user_id: uuid.UUID | None = None


async def accept_csv(
    request: Request,
    spec: JobSpec,
    upload: UploadFile,
    *,
    check: UploadCheck,
    organization_id: uuid.UUID,
    user_id: uuid.UUID,
) -> TaskAccepted:
    """Check and store an uploaded CSV, and start `spec` on it after the request commits."""
    settings = container_of(request).settings
    limit = settings.storage_max_upload_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"The file is larger than {limit} bytes.")
    # Parsing the whole file may take a while for a large one: off the event loop.
    await run_in_threadpool(check, data, settings.import_max_rows)
    filename = (upload.filename or "import.csv")[-200:]
    key = organization_key(organization_id, f"imports/{uuid.uuid4().hex}.csv")
    arguments = CsvImportArgs(storage_key=key, filename=filename, actor_user_id=user_id)

    def store_and_start() -> TaskRun:
        container_of(request).providers.storage.put(key, data, "text/csv")
        return enqueue(unit_of_work(request.scope).session, spec, arguments, created_by=user_id)

    return accepted(await run_in_threadpool(store_and_start))
