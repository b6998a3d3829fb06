"""CSV imports through the API and the worker: 202 with a task, row errors with the file's own
row numbers, valid rows imported regardless, and a re-import that creates nothing."""

from __future__ import annotations

from typing import Any

import redis
from fastapi.testclient import TestClient

from reos.core.db import Database
from reos.core.settings import Settings
from tests.conftest import Account, add_member, make_app, register
from tests.jobs_support import run_until_settled, runner_for
from tests.services import REDIS_URL, need_redis

LEADS_CSV = (
    b"first_name,last_name,email,phone,source\n"
    b"Ada,Lovelace,ada@example.com,(415) 555-0100,referral\n"
    b"Bob,Builder,not-an-email,,website\n"
    b"Cy,Young,cy@example.com,,website\n"
)


def import_leads(client: TestClient, account: Account, data: bytes) -> Any:
    return client.post(
        "/api/v1/leads/import",
        headers=account.headers,
        files={"file": ("leads.csv", data, "text/csv")},
    )


def finish(client: TestClient, account: Account, task_id: str) -> dict[str, Any]:
    outcomes = run_until_settled(runner_for(client.app), task_id, account.organization_id)
    assert outcomes[-1].status == "succeeded", outcomes
    task: dict[str, Any] = client.get(f"/api/v1/tasks/{task_id}", headers=account.headers).json()
    return task


def test_a_lead_import_runs_as_a_task_and_reports_rows_by_their_file_number(
    client: TestClient, admin: Account
) -> None:
    accepted = import_leads(client, admin, LEADS_CSV)
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert body["status"] == "pending" and body["status_url"] == f"/api/v1/tasks/{body['task_id']}"

    task = finish(client, admin, body["task_id"])
    assert task["task_type"] == "leads.import_csv" and task["queue"] == "low_priority"
    result = task["result"]
    assert (result["created"], result["duplicates"]) == (2, 0)
    assert [(e["row"], e["field"]) for e in result["errors"]] == [(3, "email")]
    assert task["progress"] == {"processed": 3, "total": 3}
    leads = client.get("/api/v1/leads?sort=last_name", headers=admin.headers).json()
    assert [lead["last_name"] for lead in leads["items"]] == ["Lovelace", "Young"]

    again = finish(client, admin, import_leads(client, admin, LEADS_CSV).json()["task_id"])
    assert (again["result"]["created"], again["result"]["duplicates"]) == (0, 2)
    assert client.get("/api/v1/leads", headers=admin.headers).json()["total"] == 2


def test_an_import_belongs_to_its_organization(client: TestClient, admin: Account) -> None:
    task_id = import_leads(client, admin, LEADS_CSV).json()["task_id"]
    finish(client, admin, task_id)
    other = register(client, "Other Realty")
    assert client.get(f"/api/v1/tasks/{task_id}", headers=other.headers).status_code == 404
    assert client.get("/api/v1/leads", headers=other.headers).json()["total"] == 0


def test_bad_uploads_are_refused_before_any_task_starts(
    settings: Settings, database: Database, owner_engine: Any
) -> None:
    app = make_app(settings, database, storage_max_upload_bytes=64)
    with TestClient(app) as client:
        admin = register(client)
        viewer = add_member(client, admin, "viewer")
        too_big = import_leads(client, admin, LEADS_CSV)
        assert too_big.status_code == 413
        not_text = import_leads(client, admin, b"\xff\xfe\x00binary")
        assert not_text.status_code == 422
        assert not_text.json()["errors"][0]["field"] == "body.file"
        empty = import_leads(client, admin, b"  \n")
        assert empty.status_code == 422
        assert import_leads(client, viewer, b"first_name\n").status_code == 403
        assert client.get("/api/v1/tasks", headers=admin.headers).json()["total"] == 0


PROPERTIES_CSV = (
    b"address,city,state,zip_code,property_type,price,bedrooms\n"
    b"12 Oak Street,Austin,TX,78701,single_family,350000,3\n"
    b"12 oak st.,Austin,TX,78701,single_family,360000,3\n"
    b"9 Elm Ave,Austin,TX,78702,castle,1,1\n"
    b"77 Pine Rd,Denver,CO,80202,condo,-5,2\n"
)


def test_a_property_import_runs_as_a_task_with_row_errors_and_dedupe(
    client: TestClient, admin: Account
) -> None:
    accepted = client.post(
        "/api/v1/properties/bulk-import",
        headers=admin.headers,
        files={"file": ("homes.csv", PROPERTIES_CSV, "text/csv")},
    )
    assert accepted.status_code == 202, accepted.text
    before = client.get("/api/v1/properties", headers=admin.headers).json()["total"]
    task = finish(client, admin, accepted.json()["task_id"])
    result = task["result"]
    assert (result["created"], result["duplicates"]) == (1, 1)  # row 3 is row 2's address
    assert [(e["row"], e["field"]) for e in result["errors"]] == [
        (4, "property_type"),
        (5, "price"),
    ]
    assert task["progress"] == {"processed": 4, "total": 4}
    assert before == 0
    # Within the in-process cache's short lifetime, or at once with Redis: here a new query.
    listed = client.get("/api/v1/properties?city=Austin", headers=admin.headers).json()
    assert [p["address"] for p in listed["items"]] == ["12 Oak Street"]


def test_an_imports_commit_retires_the_cached_reads_shared_through_redis(
    settings: Settings, database: Database, owner_engine: Any
) -> None:
    """With Redis, the worker's commit reaches the API's cache at once: the same query, cached
    empty before the import, lists the imported row right after it."""
    need_redis()
    redis.Redis.from_url(REDIS_URL).flushdb()
    with TestClient(make_app(settings, database, redis_url=REDIS_URL)) as client:
        account = register(client)
        query = "/api/v1/properties?city=Austin"
        assert client.get(query, headers=account.headers).json()["total"] == 0  # now cached
        accepted = client.post(
            "/api/v1/properties/bulk-import",
            headers=account.headers,
            files={"file": ("homes.csv", PROPERTIES_CSV, "text/csv")},
        )
        finish(client, account, accepted.json()["task_id"])
        listed = client.get(query, headers=account.headers).json()
        assert [p["address"] for p in listed["items"]] == ["12 Oak Street"]


def test_a_file_that_cannot_be_imported_is_a_422_naming_why_before_any_task_starts(
    client: TestClient, admin: Account
) -> None:
    missing = import_leads(client, admin, b"First Name,email\nAda,ada@example.com\n")
    assert missing.status_code == 422, missing.text
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in missing.json()["errors"]] == ["body.file.last_name"]
    assert "last_name" in missing.json()["detail"]
    header_only = import_leads(client, admin, b"first_name,last_name\n")
    assert header_only.status_code == 422
    assert header_only.json()["errors"][0]["field"] == "body.file"
    utf16 = import_leads(client, admin, "first_name,last_name\nA,B\n".encode("utf-16"))
    assert utf16.status_code == 422
    assert "UTF-16" in utf16.json()["errors"][0]["message"]
    properties = client.post(
        "/api/v1/properties/bulk-import",
        headers=admin.headers,
        files={"file": ("homes.csv", b"address,city\n1 Oak St,Austin\n", "text/csv")},
    )
    assert properties.status_code == 422
    assert {e["field"] for e in properties.json()["errors"]} == {
        "body.file.state",
        "body.file.zip_code",
        "body.file.property_type",
    }
    assert client.get("/api/v1/tasks", headers=admin.headers).json()["total"] == 0


def test_an_upload_above_the_row_limit_is_refused(
    settings: Settings, database: Database, owner_engine: Any
) -> None:
    with TestClient(make_app(settings, database, import_max_rows=2)) as client:
        admin = register(client)
        refused = import_leads(client, admin, LEADS_CSV)
        assert refused.status_code == 422
        assert refused.json()["errors"][0] == {
            "field": "body.file",
            "message": "line 4: more than 2 rows; split the file",
            "type": "invalid",
        }


def test_ignored_columns_are_listed_in_the_tasks_result(client: TestClient, admin: Account) -> None:
    data = b"first_name,last_name,Shoe Size\nAda,Lovelace,5\n"
    task = finish(client, admin, import_leads(client, admin, data).json()["task_id"])
    assert task["result"]["ignored_columns"] == ["shoe_size"]
    assert task["result"]["created"] == 1
