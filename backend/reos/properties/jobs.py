"""Property work done in the worker: valuations and CSV imports.

Both change what the property reads return, so both retire the organization's cached reads
once their transaction has committed (in the Redis cache the API processes share, when there
is one; without Redis the API's short-lived in-process entries expire on their own).
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from reos.imports.jobs import import_job
from reos.jobs import JobContext, JobSpec
from reos.properties.cache import invalidate_organization
from reos.properties.importing import PROPERTY_IMPORT
from reos.properties.schemas import ValuationOut
from reos.properties.service import value_property


def _retire_cached_reads(context: JobContext) -> None:
    invalidate_organization(context.redis, context.organization_id)


class ValuePropertyArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    property_id: uuid.UUID
    actor_user_id: uuid.UUID | None = None


def value(context: JobContext, args: ValuePropertyArgs) -> dict[str, Any]:
    def write(session: Session) -> dict[str, Any]:
        record = value_property(
            session, context.providers.data, args.property_id, args.actor_user_id
        )
        return ValuationOut.model_validate(record).model_dump(mode="json")

    # Writing the valuation is the task's effect: once per task, however often it runs.
    result = context.once("valuation", write)
    _retire_cached_reads(context)
    return result


VALUE_PROPERTY = JobSpec(
    name="properties.value",
    arguments=ValuePropertyArgs,
    run=value,
    description="Value a property from comparables (the organization's own and the data "
    "provider's); started by POST /properties/{id}/valuations.",
    queue="default",
    startable=False,
)
IMPORT_PROPERTIES = import_job(
    "properties.import_csv",
    PROPERTY_IMPORT,
    "Import properties from an uploaded CSV (the columns of POST /properties); started by "
    "POST /properties/bulk-import.",
    after_commit=_retire_cached_reads,
)
