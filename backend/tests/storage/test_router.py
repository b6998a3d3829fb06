"""Storage API: sniffed uploads, organization-scoped keys, presigned links that expire."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from tests.conftest import Account, add_member, register

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def upload(client: TestClient, account: Account, data: bytes, name: str, content_type: str) -> Any:
    return client.post(
        "/api/v1/storage/upload",
        headers=account.headers,
        files={"file": (name, data, content_type)},
    )


def relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_upload_then_download_round_trips(client: TestClient, admin: Account) -> None:
    response = upload(client, admin, PNG, "front door.png", "image/png")
    assert response.status_code == 201
    body = response.json()
    assert body["content_type"] == "image/png" and body["size"] == len(PNG)
    assert body["key"].endswith("/front-door.png")
    download = client.get(f"/api/v1/storage/{body['key']}", headers=admin.headers)
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"


def test_declared_type_must_match_the_bytes(client: TestClient, admin: Account) -> None:
    response = upload(client, admin, PNG, "contract.pdf", "application/pdf")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.file"


def test_unaccepted_content_is_refused(client: TestClient, admin: Account) -> None:
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 64
    assert upload(client, admin, elf, "tool.txt", "text/plain").status_code == 422
    assert upload(client, admin, b"", "empty.txt", "text/plain").status_code == 422


def test_csv_and_pdf_are_accepted(client: TestClient, admin: Account) -> None:
    assert (
        upload(client, admin, b"address,city\n1 Main St,Austin\n", "a.csv", "text/csv").json()[
            "content_type"
        ]
        == "text/csv"
    )
    assert upload(client, admin, PDF, "deed.pdf", "application/pdf").status_code == 201


def test_oversized_upload_is_413(settings: Any, database: Any, owner_engine: Any) -> None:
    from tests.conftest import make_app

    with TestClient(make_app(settings, database, storage_max_upload_bytes=32)) as client:
        account = register(client)
        response = upload(client, account, PNG, "big.png", "image/png")
    assert response.status_code == 413


def test_another_organizations_key_is_a_404(client: TestClient, admin: Account) -> None:
    key = upload(client, admin, PNG, "x.png", "image/png").json()["key"]
    rival = register(client, "Rival Realty")
    assert client.get(f"/api/v1/storage/{key}", headers=rival.headers).status_code == 404
    assert client.delete(f"/api/v1/storage/{key}", headers=rival.headers).status_code == 404
    presign = client.get(
        "/api/v1/storage/presigned-url", params={"key": key}, headers=rival.headers
    )
    assert presign.status_code == 404
    assert client.get(f"/api/v1/storage/{key}", headers=admin.headers).status_code == 200


def test_presigned_url_works_without_a_token(client: TestClient, admin: Account) -> None:
    key = upload(client, admin, PNG, "x.png", "image/png").json()["key"]
    response = client.get(
        "/api/v1/storage/presigned-url",
        params={"key": key, "expires_in": 60},
        headers=admin.headers,
    )
    assert response.status_code == 200
    anonymous = client.get(relative(response.json()["url"]))
    assert anonymous.status_code == 200
    assert anonymous.content == PNG


def test_tampered_or_expired_links_are_403(client: TestClient, admin: Account) -> None:
    key = upload(client, admin, PNG, "x.png", "image/png").json()["key"]
    url = client.get(
        "/api/v1/storage/presigned-url", params={"key": key, "expires_in": 1}, headers=admin.headers
    ).json()["url"]
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    forged = (
        f"{parts.path}?expires={int(query['expires'][0]) + 3600}&signature={query['signature'][0]}"
    )
    assert client.get(forged).status_code == 403
    other_file = parts.path.replace("x.png", "y.png") + "?" + parts.query
    assert client.get(other_file).status_code == 403
    time.sleep(2.1)
    assert client.get(relative(url)).status_code == 403


def test_delete_removes_the_file(client: TestClient, admin: Account) -> None:
    key = upload(client, admin, PNG, "x.png", "image/png").json()["key"]
    assert client.delete(f"/api/v1/storage/{key}", headers=admin.headers).status_code == 204
    assert client.get(f"/api/v1/storage/{key}", headers=admin.headers).status_code == 404
    assert client.delete(f"/api/v1/storage/{key}", headers=admin.headers).status_code == 404


def test_viewers_read_but_do_not_write(client: TestClient, admin: Account) -> None:
    viewer = add_member(client, admin, "viewer")
    key = upload(client, admin, PNG, "x.png", "image/png").json()["key"]
    assert client.get(f"/api/v1/storage/{key}", headers=viewer.headers).status_code == 200
    assert upload(client, viewer, PNG, "v.png", "image/png").status_code == 403
    assert client.delete(f"/api/v1/storage/{key}", headers=viewer.headers).status_code == 403


def test_path_traversal_keys_are_404(client: TestClient, admin: Account) -> None:
    for key in ("../../etc/passwd", "a/../../b", "%2e%2e/secret"):
        assert client.get(f"/api/v1/storage/{key}", headers=admin.headers).status_code == 404
