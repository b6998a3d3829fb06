"""The job framework: what a job is (`JobSpec`), how any service starts one (`enqueue`, sent
after commit), what a running job may use (`JobContext`), the runner that claims, retries and
dead-letters, and beat's schedule. The tasks API that users see lives in `reos.tasks`."""

from reos.jobs.context import JobContext
from reos.jobs.enqueue import (
    Dispatcher,
    TaskAccepted,
    accepted,
    enqueue,
    new_run,
    send_enqueued,
)
from reos.jobs.spec import (
    JobCancelled,
    JobCatalog,
    JobSpec,
    NoArguments,
    PermanentJobError,
    catalog,
)

__all__ = [
    "Dispatcher",
    "JobCancelled",
    "JobCatalog",
    "JobContext",
    "JobSpec",
    "NoArguments",
    "PermanentJobError",
    "TaskAccepted",
    "accepted",
    "catalog",
    "enqueue",
    "new_run",
    "send_enqueued",
]
