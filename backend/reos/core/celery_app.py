"""The Celery application both the API (to send) and the worker (to run) are built from.

The broker is `CELERY_BROKER_URL`: Redis (`redis://`), RabbitMQ (`amqp://`), or, when unset, an
SQLite file under VAR_DIR through kombu's SQLAlchemy transport, so the demo needs nothing
installed. The reliability settings follow Celery's own guidance for tasks that must not be lost:
acknowledge after the task ran, re-queue when the worker dies under it, take one message at a
time, and give Redis a visibility timeout longer than any task.
"""

from __future__ import annotations

from celery import Celery
from kombu import Exchange, Queue

from reos.core.settings import Settings

RUN_JOB = "reos.run_job"
DEAD_LETTER = "reos.dead_letter"
WORK_QUEUES = ("high_priority", "default", "low_priority")
DLQ = "dlq"
DEAD_LETTER_EXCHANGE = "reos.dlx"


def broker_url(settings: Settings) -> str:
    if settings.celery_broker_url:
        return settings.celery_broker_url
    return f"sqla+sqlite:///{(settings.var_dir / 'celery-broker.db').resolve()}"


def is_rabbitmq(url: str) -> bool:
    return url.split("://", 1)[0] in {"amqp", "pyamqp", "amqps"}


def task_queues(url: str) -> list[Queue]:
    """The work queues and the dead-letter queue. On RabbitMQ a message rejected without requeue
    goes to the DLQ through a dead-letter exchange as well; other brokers ignore the argument."""
    dlx = Exchange(DEAD_LETTER_EXCHANGE, type="direct")
    arguments = (
        {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE, "x-dead-letter-routing-key": DLQ}
        if is_rabbitmq(url)
        else None
    )
    queues = [
        Queue(name, Exchange(name, type="direct"), routing_key=name, queue_arguments=arguments)
        for name in WORK_QUEUES
    ]
    return [*queues, Queue(DLQ, dlx, routing_key=DLQ)]


def make_celery(settings: Settings) -> Celery:
    url = broker_url(settings)
    if url.startswith("sqla+sqlite:"):
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    app = Celery("reos", broker=url, set_as_current=False)
    app.conf.update(
        task_queues=task_queues(url),
        task_default_queue="default",
        task_default_exchange="default",
        task_default_routing_key="default",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Results and states live in the task_runs table, not in a result backend.
        task_ignore_result=True,
        task_store_errors_even_if_ignored=False,
        task_serializer="json",
        accept_content=["json"],
        # Redis only: the SQLAlchemy transport hands its options to create_engine().
        broker_transport_options=(
            {"visibility_timeout": settings.task_visibility_timeout_seconds}
            if url.startswith(("redis://", "rediss://"))
            else {}
        ),
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        timezone="UTC",
        enable_utc=True,
    )
    return app
