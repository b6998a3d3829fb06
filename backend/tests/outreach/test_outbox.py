"""The mock email outbox: kept in the database, shown per organization, mock mode only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from providers.email.port import EmailMessage
from reos.core.db import Database
from reos.core.errors import NotFound
from reos.core.pagination import PageParams
from reos.outreach import service
from tests.conftest import Account, add_member, register


def send(app: Any, account: Account, to: str) -> str:
    result = app.state.container.providers.email.send(
        EmailMessage(
            to=to,
            subject="New listing on Elm St",
            html="<p>Have a look</p>",
            text="Have a look",
            metadata={"organization_id": account.organization_id},
        )
    )
    return str(result.provider_message_id)


def test_sent_mail_shows_in_the_outbox(app: Any, client: TestClient, admin: Account) -> None:
    message_id = send(app, admin, "buyer@example.com")
    page = client.get("/api/v1/outreach/outbox", headers=admin.headers).json()
    assert page["total"] == 1
    item = page["items"][0]
    assert item["provider_message_id"] == message_id
    assert (item["recipient"], item["subject"], item["channel"]) == (
        "buyer@example.com",
        "New listing on Elm St",
        "email",
    )
    assert item["metadata"]["organization_id"] == admin.organization_id


def test_the_outbox_is_per_organization(app: Any, client: TestClient, admin: Account) -> None:
    rival = register(client, "Rival Realty")
    send(app, rival, "theirs@example.com")
    send(app, admin, "ours@example.com")
    ours = client.get("/api/v1/outreach/outbox", headers=admin.headers).json()
    assert [i["recipient"] for i in ours["items"]] == ["ours@example.com"]


def test_viewers_may_read_the_outbox(app: Any, client: TestClient, admin: Account) -> None:
    viewer = add_member(client, admin, "viewer")
    send(app, admin, "buyer@example.com")
    assert client.get("/api/v1/outreach/outbox", headers=viewer.headers).json()["total"] == 1


def test_no_outbox_outside_mock_mode(database: Database, owner_engine: Any) -> None:
    with database.unit_of_work() as session, pytest.raises(NotFound):
        service.list_outbox(session, mode="production", page=PageParams(1, 25))
