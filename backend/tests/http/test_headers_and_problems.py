"""Cross-cutting HTTP behaviour: security headers, request ids, problem+json, metrics, OpenAPI."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Account


def test_api_responses_carry_security_headers(client: TestClient) -> None:
    for response in (client.get("/api/v1/healthz"), client.get("/api/v1/auth/me")):
        headers = response.headers
        assert headers["strict-transport-security"].startswith("max-age=")
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cross-origin-opener-policy"] == "same-origin"
        assert headers["cache-control"] == "no-store"
        assert headers.get("x-xss-protection", "0") == "0"
        assert "server" not in headers


def test_docs_render_from_our_own_assets(client: TestClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "http" not in page.text.replace("http-equiv", "")  # no CDN reference
    assert client.get("/api/v1/docs/static/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/docs/init.js").status_code == 200


def test_a_sane_request_id_is_kept_and_echoed(client: TestClient) -> None:
    response = client.get("/api/v1/healthz", headers={"X-Request-ID": "abc-123.x"})
    assert response.headers["x-request-id"] == "abc-123.x"


def test_an_unsafe_request_id_is_replaced(client: TestClient) -> None:
    response = client.get("/api/v1/healthz", headers={"X-Request-ID": "bad id\nforged: 1"})
    assert response.headers["x-request-id"] != "bad id\nforged: 1"
    assert len(response.headers["x-request-id"]) == 32


def test_unknown_paths_and_methods_are_problem_json(client: TestClient) -> None:
    missing = client.get("/api/v1/nowhere")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == 404
    wrong_method = client.patch("/api/v1/healthz")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["title"] == "Method not allowed"


def test_malformed_json_is_a_400_not_a_500(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/login", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["title"] == "Malformed JSON"


def test_validation_errors_name_each_field(client: TestClient) -> None:
    response = client.post("/api/v1/auth/register", json={"email": "nope"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"body.email", "body.password", "body.full_name", "body.organization_name"} <= fields


def test_a_crash_is_a_500_problem_without_internals(app: Any, caplog: Any) -> None:
    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/boom", headers={"X-Request-ID": "trace-me"})
    assert response.status_code == 500
    body = response.json()
    assert body["title"] == "Internal server error"
    assert body["request_id"] == "trace-me"
    assert "secret internal detail" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_metrics_count_requests_by_route_template(client: TestClient, admin: Account) -> None:
    client.get(f"/api/v1/users/{admin.id}", headers=admin.headers)
    text = client.get("/api/v1/metrics").text
    assert 'route="/api/v1/users/{user_id}"' in text
    assert "reos_http_request_duration_seconds_bucket" in text
    assert admin.id not in text


def test_operation_ids_are_unique_and_errors_documented(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    operations = [op for path in spec["paths"].values() for op in path.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    assert "auth-login" in ids
    for path, item in spec["paths"].items():
        if path.startswith("/api/v1/users"):
            for op in item.values():
                assert {"401", "403"} <= set(op["responses"]), op["operationId"]


def test_cors_preflight_allows_the_frontend_origin(client: TestClient) -> None:
    response = client.options(
        "/api/v1/auth/login",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Idempotency-Key",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    blocked = client.options(
        "/api/v1/auth/login",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in blocked.headers
