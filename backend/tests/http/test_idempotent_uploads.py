"""Idempotency-Key on multipart uploads: the same file replays the first response, another
file under the same key is refused, on every route that takes an upload."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.builders import png
from tests.builders import property_body as body
from tests.conftest import Account

LEADS_CSV = b"first_name,last_name,email\nAda,Lovelace,ada@example.com\n"
OTHER_LEADS_CSV = b"first_name,last_name,email\nBob,Builder,bob@example.com\n"
PROPERTIES_CSV = (
    b"address,city,state,zip_code,property_type\n12 Oak Street,Austin,TX,78701,single_family\n"
)
OTHER_PROPERTIES_CSV = (
    b"address,city,state,zip_code,property_type\n14 Elm Street,Austin,TX,78701,single_family\n"
)


def property_images(client: TestClient, admin: Account) -> str:
    created = client.post("/api/v1/properties", headers=admin.headers, json=body())
    assert created.status_code == 201, created.text
    return f"/api/v1/properties/{created.json()['id']}/images"


# route (built per test), file name, content type, the upload, another upload
Upload = tuple[Callable[[TestClient, Account], str], str, str, bytes, bytes]
UPLOADS: dict[str, Upload] = {
    "storage": (
        lambda client, admin: "/api/v1/storage/upload",
        "plan.png",
        "image/png",
        png(4, 3),
        png(5, 3),
    ),
    "property images": (property_images, "photo.png", "image/png", png(4, 3), png(5, 3)),
    "lead import": (
        lambda client, admin: "/api/v1/leads/import",
        "leads.csv",
        "text/csv",
        LEADS_CSV,
        OTHER_LEADS_CSV,
    ),
    "property import": (
        lambda client, admin: "/api/v1/properties/bulk-import",
        "homes.csv",
        "text/csv",
        PROPERTIES_CSV,
        OTHER_PROPERTIES_CSV,
    ),
}


@pytest.mark.parametrize("route", UPLOADS.values(), ids=UPLOADS.keys())
def test_same_key_and_same_upload_replays_the_first_response(
    client: TestClient, admin: Account, route: Upload
) -> None:
    path_for, name, content_type, data, _ = route
    path = path_for(client, admin)
    headers = {**admin.headers, "Idempotency-Key": "upload-1"}
    # Each request gets its own multipart boundary: the raw bodies differ, the upload does not.
    first = client.post(path, headers=headers, files={"file": (name, data, content_type)})
    second = client.post(path, headers=headers, files={"file": (name, data, content_type)})
    assert first.status_code in (201, 202), first.text
    assert "Idempotent-Replayed" not in first.headers
    assert second.status_code == first.status_code
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.content == first.content  # the same id: nothing was created twice


@pytest.mark.parametrize("route", UPLOADS.values(), ids=UPLOADS.keys())
def test_same_key_with_another_file_is_refused(
    client: TestClient, admin: Account, route: Upload
) -> None:
    path_for, name, content_type, data, other = route
    path = path_for(client, admin)
    headers = {**admin.headers, "Idempotency-Key": "upload-2"}
    first = client.post(path, headers=headers, files={"file": (name, data, content_type)})
    assert first.status_code in (201, 202), first.text
    refused = client.post(path, headers=headers, files={"file": (name, other, content_type)})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "header.Idempotency-Key"
