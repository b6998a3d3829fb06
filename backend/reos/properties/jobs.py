"""Property work done in the worker: valuations and CSV imports.

Both record their events, and the worker's commit listener retires the organization's cached
reads for them once their transaction has committed.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from reos.events.catalog import PropertiesImported
from reos.imports.jobs import import_job
from reos.jobs import JobContext, JobSpec
from reos.properties.importing import PROPERTY_IMPORT
from reos.properties.schemas import ValuationOut
from reos.properties.valuations import value_property


class ValuePropertyArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    property_id: uuid.UUID
    actor_user_id: uuid.UUID | None = None


def value(context: JobContext, args: ValuePropertyArgs) -> dict[str, Any]:
    def write(session: Session) -> dict[str, Any]:
        record = value_property(
            session,
            data_provider=context.providers.data,
            property_id=args.property_id,
            actor_user_id=args.actor_user_id,
        )
        return ValuationOut.model_validate(record).model_dump(mode="json")

    # Writing the valuation is the task's effect: once per task, however often it runs.
    return context.once("valuation", write)


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
    finished=PropertiesImported,
)
