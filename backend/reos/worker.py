"""The Celery worker and beat: `celery -A reos.worker worker` and `celery -A reos.worker beat`.

Every job travels as one task, `reos.run_job(run_id, organization_id)`: the run's type, queue
and arguments are in its `task_runs` row. The worker builds its database engine and providers
once per process, on first use, so the same code serves prefork children and thread pools.
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from celery import Celery, Task
from celery.exceptions import Reject
from celery.schedules import crontab
from celery.signals import worker_process_shutdown, worker_shutdown

from providers.callbacks import CallbackDeliverer
from reos.composition import JOBS, build_container, callback_delivery
from reos.container import Container
from reos.core.celery_app import DEAD_LETTER, DLQ, RUN_JOB, broker_url, is_rabbitmq, make_celery
from reos.core.logging import configure_logging, get_logger
from reos.core.settings import Settings, get_settings
from reos.jobs import JobCatalog, maintenance, schedule
from reos.jobs.runner import JobRunner

log = get_logger("reos.worker")
START_SCHEDULED = "reos.beat.start"
RECOVER_LOST = "reos.beat.recover_lost"


@dataclass
class WorkerRuntime:
    """The worker process's container, its job runner and the mock vendors' dispatcher."""

    services: Container
    runner: JobRunner
    pid: int
    callbacks: CallbackDeliverer | None = None

    def close(self) -> None:
        if self.callbacks is not None:
            self.callbacks.stop()
        self.services.close()


def beat_schedule() -> dict[str, dict[str, Any]]:
    def start(spec_name: str, when: Any) -> dict[str, Any]:
        return {"task": START_SCHEDULED, "schedule": when, "args": [spec_name]}

    return {
        "purge-idempotency-keys": start(
            maintenance.PURGE_IDEMPOTENCY_KEYS.name, crontab(minute="7")
        ),
        "sweep-campaigns": start(maintenance.SWEEP_CAMPAIGNS.name, 300.0),
        "refresh-deliverability-rollups": start(maintenance.REFRESH_DELIVERABILITY.name, 900.0),
        "reconcile-portfolios": start(
            maintenance.RECONCILE_PORTFOLIOS.name, crontab(hour="2", minute="30")
        ),
        "recover-lost-tasks": {"task": RECOVER_LOST, "schedule": 60.0},
    }


def create_worker(settings: Settings | None = None, jobs: JobCatalog | None = None) -> Celery:
    settings = settings or get_settings()
    catalog = jobs or JOBS
    app = make_celery(settings)
    app.conf.beat_schedule = beat_schedule()
    rabbitmq = is_rabbitmq(broker_url(settings))
    lock = threading.Lock()
    state: dict[str, WorkerRuntime] = {}

    def runtime() -> WorkerRuntime:
        with lock:
            current = state.get("runtime")
            if current is None or current.pid != os.getpid():  # first use, or a forked child
                configure_logging(settings.log_level, settings.log_json)
                # Jobs that start jobs: the container's database sends their messages once
                # the job's work commits.
                services = build_container(settings, jobs=catalog, celery=app)
                services.providers.initialize_all()
                current = WorkerRuntime(
                    services=services,
                    runner=JobRunner(
                        settings,
                        services.database,
                        services.providers,
                        catalog,
                        redis_client=services.redis,
                    ),
                    pid=os.getpid(),
                    callbacks=callback_delivery(settings, services.providers),
                )
                if current.callbacks is not None:
                    current.callbacks.start()
                state["runtime"] = current
            return current

    @app.task(name=RUN_JOB, bind=True, max_retries=None, shared=False)
    def run_job(self: Task, run_id: str, organization_id: str) -> str:
        outcome = runtime().runner.run(uuid.UUID(run_id), uuid.UUID(organization_id))
        if outcome.status in {"retry", "deferred"}:
            raise self.retry(countdown=outcome.countdown, max_retries=None)
        if outcome.status == "dead_lettered":
            if rabbitmq:
                # The queue's dead-letter exchange routes this very message to the DLQ.
                raise Reject(f"dead-lettered as {outcome.dead_letter_id}", requeue=False)
            app.send_task(
                DEAD_LETTER, args=[run_id, organization_id, str(outcome.dead_letter_id)], queue=DLQ
            )
        return outcome.status

    @app.task(name=DEAD_LETTER, shared=False)
    def dead_letter(run_id: str, organization_id: str, dead_letter_id: str) -> None:
        """Only a worker told to drain the DLQ runs this; the entry itself is in the database."""
        log.info("dlq_message_drained", run_id=run_id, dead_letter_id=dead_letter_id)

    @app.task(name=START_SCHEDULED, shared=False)
    def start_scheduled(task_type: str) -> int:
        current = runtime()
        return len(
            schedule.fan_out(
                current.services.database, current.services.dispatcher, settings, catalog[task_type]
            )
        )

    @app.task(name=RECOVER_LOST, shared=False)
    def recover_lost() -> dict[str, int]:
        current = runtime()
        recovered = schedule.recover_lost(
            current.services.database, current.services.dispatcher, settings
        )
        return {"pending": recovered.resent_pending, "stalled": recovered.resent_stalled}

    def shutdown(**_kwargs: Any) -> None:
        current = state.pop("runtime", None)
        if current is not None and current.pid == os.getpid():
            current.close()

    worker_process_shutdown.connect(shutdown, weak=False)
    worker_shutdown.connect(shutdown, weak=False)
    app.reos_runtime = runtime
    return app


# Tasks are registered on this app only (shared=False): each app built here has its own runtime.
celery = create_worker()
