"""What a job is: a name, a pydantic model of its arguments, the function that does the work,
and a queue. Features declare their jobs here-shaped; the composition root collects them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from reos.jobs.context import JobContext


class PermanentJobError(Exception):
    """Retrying cannot help (bad input, a refusal): the task goes straight to the DLQ."""


class JobCancelled(Exception):
    """Raised inside a job at its next progress report once a cancel was requested."""


class NoArguments(BaseModel):
    model_config = {"extra": "forbid"}


JobFunction = Callable[["JobContext", Any], dict[str, Any]]


@dataclass(frozen=True)
class JobSpec:
    name: str
    arguments: type[BaseModel]
    run: JobFunction
    description: str
    queue: str = "default"
    # Offered by POST /api/v1/tasks; others are started by their own endpoint or by beat.
    startable: bool = True
    # Maintenance runs fail instead: beat runs them again, so the DLQ would only collect noise.
    dead_letter: bool = True


JobCatalog = Mapping[str, JobSpec]


def catalog(*specs: JobSpec) -> dict[str, JobSpec]:
    jobs = {spec.name: spec for spec in specs}
    if len(jobs) != len(specs):
        raise ValueError("two jobs share a name")
    return jobs
