"""`enqueue(session, ...)` from any unit of work: the message goes out after the commit, never
for a transaction that rolled back."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reos.core.db import Database
from reos.jobs import JobContext, JobSpec, NoArguments, catalog, enqueue, send_enqueued
from reos.jobs.enqueue import Dispatcher
from reos.models import Organization, TaskRun


class RecordingDispatcher(Dispatcher):
    """Stands in for the broker: keeps what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[uuid.UUID, uuid.UUID, str]] = []

    def send(self, run_id: uuid.UUID, organization_id: uuid.UUID, queue: str) -> None:
        self.sent.append((run_id, organization_id, queue))


def _noop(_context: JobContext, _args: NoArguments) -> dict[str, Any]:
    return {}


NOOP = JobSpec(name="test.noop", arguments=NoArguments, run=_noop, description="nothing")
JOBS = catalog(NOOP)


@pytest.fixture
def organization_id(owner_engine: Any) -> uuid.UUID:
    # Created as the tables' owner: the app role may not add organizations outside sign-up.
    with Session(owner_engine) as session, session.begin():
        org = Organization(name="Enqueue Realty", slug=f"enqueue-{uuid.uuid4().hex[:8]}")
        session.add(org)
        session.flush()
        return org.id


def test_message_is_sent_after_the_commit(database: Database, organization_id: uuid.UUID) -> None:
    dispatcher = RecordingDispatcher()
    db = database.with_listeners(send_enqueued(dispatcher))
    with db.unit_of_work(organization_id) as session:
        run = enqueue(session, NOOP, NoArguments(), created_by=None)
        assert dispatcher.sent == []  # nothing leaves before the commit
    assert dispatcher.sent == [(run.id, organization_id, "default")]


def test_rolled_back_transaction_sends_nothing_and_leaves_no_run(
    database: Database, organization_id: uuid.UUID
) -> None:
    dispatcher = RecordingDispatcher()
    db = database.with_listeners(send_enqueued(dispatcher))
    with pytest.raises(RuntimeError), db.unit_of_work(organization_id) as session:
        enqueue(session, NOOP, NoArguments(), created_by=None)
        raise RuntimeError("the service failed after enqueueing")
    assert dispatcher.sent == []
    with db.unit_of_work(organization_id) as session:
        assert session.scalar(select(func.count()).select_from(TaskRun)) == 0


def test_enqueue_takes_the_retry_budget_from_the_process_settings(
    database: Database, organization_id: uuid.UUID
) -> None:
    settings = database.settings.model_copy(update={"task_max_retries": 7})
    db = Database(settings, database.engine, on_commit=[send_enqueued(RecordingDispatcher())])
    with db.unit_of_work(organization_id) as session:
        run = enqueue(session, NOOP, NoArguments(), created_by=None)
    assert run.max_retries == 7
