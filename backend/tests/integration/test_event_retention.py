"""Events are kept EVENT_RETENTION_DAYS: beat's nightly run purges the older ones, of its own
organization only (on PostgreSQL through reos_purge_events, the app role may not delete)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from reos.core.db import Database, utcnow
from reos.jobs import NoArguments, maintenance, new_run
from reos.models import Event
from tests.conftest import register
from tests.jobs_support import runner_for


def test_the_purge_removes_only_events_older_than_the_retention_of_its_organization(
    client: TestClient, database: Database
) -> None:
    admin, other = register(client), register(client, "Other Realty")
    org, other_org = uuid.UUID(admin.organization_id), uuid.UUID(other.organization_id)
    now = utcnow()
    for organization in (org, other_org):
        with database.unit_of_work(organization) as session:
            for label, age in (("old", timedelta(days=91)), ("fresh", timedelta(days=89))):
                session.add(
                    Event(
                        type=f"test.{label}",
                        entity_type="test",
                        payload={"version": 1},
                        occurred_at=now - age,
                    )
                )
    with database.unit_of_work(org) as session:
        run_id = new_run(session, maintenance.PURGE_EVENTS, NoArguments(), max_retries=3).id
    assert runner_for(client.app).run(run_id, org).status == "succeeded"

    def kinds(organization: uuid.UUID) -> set[str]:
        with database.unit_of_work(organization) as session:
            return {t for t in session.scalars(select(Event.type)) if t.startswith("test.")}

    assert kinds(org) == {"test.fresh"}
    assert kinds(other_org) == {"test.old", "test.fresh"}
