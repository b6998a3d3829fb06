"""Every write operation of the API records at least one domain event.

The test walks the OpenAPI document: each POST, PUT, PATCH and DELETE must have an entry in
WRITES (a request that succeeds) or in READS_BY_POST (a search sent as POST, which changes
nothing). A new write route without an entry fails here, so it cannot skip its event.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from providers.callbacks import InMemoryCallbackSink
from providers.sms.mock import REPLIES_STOP
from providers.sms.port import SMSMessage
from reos.composition import CALLBACK_PATH
from reos.core.db import Database
from reos.models import Event, OutreachAttempt
from tests.builders import png
from tests.conftest import DEMO_PASSWORD, Account, add_member, login, register
from tests.jobs_support import run_until_settled, runner_for

WRITE_METHODS = ("post", "put", "patch", "delete")
READS_BY_POST = {"search-search-properties", "search-search-leads", "search-search-campaigns"}


@dataclass
class World:
    """What the example requests act on, built on demand."""

    client: TestClient
    database: Database
    admin: Account
    made: dict[str, Any] = field(default_factory=dict)

    def once(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self.made:
            self.made[name] = make()
        return self.made[name]

    def post(self, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.client.post(path, headers=self.admin.headers, **kwargs)
        assert response.status_code < 300, response.text
        body: dict[str, Any] = response.json()
        return body

    def property_id(self) -> str:
        body = {"address": f"{uuid.uuid4().int % 9000 + 100} Elm St", "city": "Austin"}
        body |= {"state": "TX", "zip_code": "78701", "property_type": "condo", "price": "350000"}
        return str(self.once("property", lambda: self.post("/api/v1/properties", json=body))["id"])

    def lead_id(self) -> str:
        body = {"first_name": "Lee", "last_name": "Lead", "email": "lee@leads.example"}
        return str(self.once("lead", lambda: self.post("/api/v1/leads", json=body))["id"])

    def listing_id(self) -> str:
        body = {"property_id": self.property_id(), "status": "draft", "asking_price": "360000"}
        return str(self.once("listing", lambda: self.post("/api/v1/listings", json=body))["id"])

    def member(self) -> Account:
        return self.once("member", lambda: add_member(self.client, self.admin, "agent"))  # type: ignore[no-any-return]

    def file_key(self) -> str:
        files = {"file": ("notes.txt", b"hello", "text/plain")}
        return str(
            self.once("file", lambda: self.post("/api/v1/storage/upload", files=files))["key"]
        )

    def task(self, url: str = "https://gone.webhook.test/in") -> dict[str, Any]:
        arguments = {"url": url, "event_type": "lead.created", "payload": {"n": 1}}
        return self.post(
            "/api/v1/tasks", json={"task_type": "webhook.deliver", "arguments": arguments}
        )

    def dead_letter_id(self) -> str:
        task = self.task()
        run_until_settled(runner_for(self.client.app), task["id"], self.admin.organization_id)
        entries = self.client.get("/api/v1/admin/dlq", headers=self.admin.headers).json()
        return str(entries["items"][0]["id"])

    def callback(self, channel: str) -> dict[str, Any]:
        """A signed provider callback for a message this organization sent."""
        providers = self.client.app.state.container.providers  # type: ignore[attr-defined]
        if channel == "sms":
            sent = providers.sms.send(SMSMessage(to=REPLIES_STOP, body="New listing"))
            with self.database.unit_of_work(uuid.UUID(self.admin.organization_id)) as session:
                attempt = OutreachAttempt(channel="sms", recipient=REPLIES_STOP, status="sent")
                attempt.provider = providers.sms.name
                attempt.provider_message_id = sent.provider_message_id
                session.add(attempt)
        else:
            arguments = {"to": "bounce@leads.example", "subject": "Hi", "text": "Hello"}
            task = self.post(
                "/api/v1/tasks", json={"task_type": "email.send", "arguments": arguments}
            )
            runner = runner_for(self.client.app)
            run_until_settled(runner, task["id"], self.admin.organization_id)
        sink = providers.callback_sink
        assert isinstance(sink, InMemoryCallbackSink)
        callback = sink.pending()[0]
        return {"content": callback.body, "headers": dict(callback.headers)}


Request = tuple[str, dict[str, Any]]


def _email_callback(world: World) -> Request:
    return CALLBACK_PATH.format(channel="email"), world.callback("email")


def _sms_callback(world: World) -> Request:
    return CALLBACK_PATH.format(channel="sms"), world.callback("sms")


CSV = {"file": ("rows.csv", b"first_name,last_name\nAda,Row\n", "text/csv")}
PROPERTY_CSV = b"address,city,state,zip_code,property_type\n1 Oak St,Austin,TX,78701,condo\n"
PROPERTY = {
    "address": "9 Pine St",
    "city": "Austin",
    "state": "TX",
    "zip_code": "78701",
    "property_type": "condo",
    "price": "400000",
}

# One successful example request per write operation: operation id → (path, request kwargs).
WRITES: dict[str, Callable[[World], Request]] = {
    "auth-register": lambda w: (
        "/api/v1/auth/register",
        {
            "json": {
                "email": f"new-{uuid.uuid4().hex[:6]}@acme.example",
                "password": DEMO_PASSWORD,
                "full_name": "New Owner",
                "organization_name": "New Realty",
            }
        },
    ),
    "auth-login": lambda w: (
        "/api/v1/auth/login",
        {"json": {"email": w.admin.email, "password": DEMO_PASSWORD}},
    ),
    "auth-refresh": lambda w: (
        "/api/v1/auth/refresh",
        {"json": {"refresh_token": login(w.client, w.admin.email)["refresh_token"]}},
    ),
    "auth-logout": lambda w: ("/api/v1/auth/logout", {}),
    "users-add-member": lambda w: (
        "/api/v1/users",
        {
            "json": {
                "email": f"m-{uuid.uuid4().hex[:6]}@acme.example",
                "full_name": "Mo Member",
                "role": "agent",
                "password": DEMO_PASSWORD,
            }
        },
    ),
    "users-update-user": lambda w: (
        f"/api/v1/users/{w.member().id}",
        {"json": {"full_name": "Renamed Member"}},
    ),
    "users-remove-user": lambda w: (f"/api/v1/users/{w.member().id}", {}),
    "storage-upload": lambda w: (
        "/api/v1/storage/upload",
        {"files": {"file": ("a.txt", b"hi", "text/plain")}},
    ),
    "storage-delete": lambda w: (f"/api/v1/storage/{w.file_key()}", {}),
    "properties-create-property": lambda w: ("/api/v1/properties", {"json": PROPERTY}),
    "properties-replace-property": lambda w: (
        f"/api/v1/properties/{w.property_id()}",
        {"json": {**PROPERTY, "price": "410000"}},
    ),
    "properties-archive-property": lambda w: (f"/api/v1/properties/{w.property_id()}", {}),
    "properties-add-image": lambda w: (
        f"/api/v1/properties/{w.property_id()}/images",
        {"files": {"file": ("p.png", png(2, 2), "image/png")}},
    ),
    "properties-value-property": lambda w: (f"/api/v1/properties/{w.property_id()}/valuations", {}),
    "properties-bulk-import": lambda w: (
        "/api/v1/properties/bulk-import",
        {"files": {"file": ("p.csv", io.BytesIO(PROPERTY_CSV), "text/csv")}},
    ),
    "listings-create-listing": lambda w: (
        "/api/v1/listings",
        {"json": {"property_id": w.property_id(), "status": "active", "asking_price": "1"}},
    ),
    "listings-update-listing": lambda w: (
        f"/api/v1/listings/{w.listing_id()}",
        {"json": {"status": "active", "asking_price": "370000", "terms": {}}},
    ),
    "leads-create-lead": lambda w: (
        "/api/v1/leads",
        {"json": {"first_name": "Nia", "last_name": "New", "phone": "+14155550199"}},
    ),
    "leads-import-leads": lambda w: ("/api/v1/leads/import", {"files": CSV}),
    "leads-update-lead": lambda w: (
        f"/api/v1/leads/{w.lead_id()}",
        {"json": {"status": "contacted"}},
    ),
    "leads-archive-lead": lambda w: (f"/api/v1/leads/{w.lead_id()}", {}),
    "leads-add-activity": lambda w: (
        f"/api/v1/leads/{w.lead_id()}/activities",
        {"json": {"activity_type": "call", "summary": "Called"}},
    ),
    "leads-add-note": lambda w: (f"/api/v1/leads/{w.lead_id()}/notes", {"json": {"body": "Hi"}}),
    "leads-score-lead": lambda w: (f"/api/v1/leads/{w.lead_id()}/score", {}),
    "tasks-start-task": lambda w: (
        "/api/v1/tasks",
        {
            "json": {
                "task_type": "webhook.deliver",
                "arguments": {
                    "url": "https://gone.webhook.test/in",
                    "event_type": "x.y",
                    "payload": {},
                },
            }
        },
    ),
    "tasks-retry-tasks": lambda w: (
        "/api/v1/tasks/retry",
        {"json": {"task_ids": [w.made.setdefault("failed", _dead_task(w))]}},
    ),
    "tasks-cancel-task": lambda w: (f"/api/v1/tasks/{w.task()['id']}", {}),
    "admin-replay-dead-letter": lambda w: (f"/api/v1/admin/dlq/{w.dead_letter_id()}/replay", {}),
    "outreach-email-callbacks": _email_callback,
    "outreach-sms-callbacks": _sms_callback,
}


def _dead_task(world: World) -> str:
    task = world.task()
    run_until_settled(runner_for(world.client.app), task["id"], world.admin.organization_id)
    return str(task["id"])


def write_operations(app: Any) -> dict[str, str]:
    """Operation id → method of every write operation in the OpenAPI document."""
    found = {}
    for methods in app.openapi()["paths"].values():
        for method, operation in methods.items():
            if method in WRITE_METHODS:
                found[operation["operationId"]] = method
    return found


def test_every_write_operation_has_an_example_request(app: Any) -> None:
    operations = set(write_operations(app))
    missing = operations - set(WRITES) - READS_BY_POST
    assert not missing, f"add an example request to WRITES for: {sorted(missing)}"
    assert not set(WRITES) - operations, "WRITES names operations the API no longer has"


def event_count(database: Database, organization_id: str) -> int:
    with database.unit_of_work(uuid.UUID(organization_id)) as session:
        return session.scalar(select(func.count()).select_from(Event)) or 0


def organization_of(operation_id: str, response: Any, admin: Account) -> str:
    """Registering makes an organization of its own; every other write acts in the admin's."""
    if operation_id == "auth-register":
        return str(response.json()["organization_id"])
    return admin.organization_id


@pytest.mark.parametrize("operation_id", sorted(WRITES))
def test_a_successful_write_records_an_event(
    app: Any, client: TestClient, database: Database, operation_id: str
) -> None:
    admin = register(client)
    world = World(client, database, admin)
    method = write_operations(app)[operation_id]
    path, kwargs = WRITES[operation_id](world)
    headers = {**kwargs.pop("headers", {}), **admin.headers}
    before = event_count(database, admin.organization_id)

    response = client.request(method.upper(), path, headers=headers, **kwargs)

    assert response.status_code < 300, response.text
    organization_id = organization_of(operation_id, response, admin)
    if organization_id != admin.organization_id:
        before = 0
    assert event_count(database, organization_id) > before, f"{operation_id} left no event"
