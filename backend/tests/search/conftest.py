"""What the search tests share: calls to the search endpoints, archiving a row, and reading
field errors. The rows themselves come from tests.builders."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from reos.core.db import Database
from tests.builders import organization_of
from tests.conftest import Account

SEARCH = "/api/v1/search"
AUSTIN = (30.2672, -97.7431)


org = organization_of


def archive(database: Database, account: Account, model: Any, row_id: str) -> None:
    with database.unit_of_work(org(account)) as session:
        session.execute(
            update(model).where(model.id == uuid.UUID(row_id)).values(deleted_at=datetime.now(UTC))
        )


def search(client: TestClient, account: Account, kind: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"{SEARCH}/{kind}", headers=account.headers, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def found(client: TestClient, account: Account, kind: str, key: str, **body: Any) -> list[Any]:
    return [item[key] for item in search(client, account, kind, **body)["items"]]


def suggest(client: TestClient, account: Account, q: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(
        f"{SEARCH}/suggestions", headers=account.headers, params={"q": q, **params}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def field_errors(response: Any) -> set[str]:
    return {error["field"] for error in response.json().get("errors", [])}


def dialect(database: Database) -> str:
    return database.engine.dialect.name
