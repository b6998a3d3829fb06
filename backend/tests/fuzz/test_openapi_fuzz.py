"""Every operation of the OpenAPI document, fuzzed: whatever a client sends, never a 500.

Schemathesis generates valid and invalid requests from `/api/v1/openapi.json` and sends them to
the app in-process, once with an organization's bearer token and once without. The examples per
operation are few and derandomized, so a CI run is reproducible and takes a few minutes per
database; the suite runs on SQLite and, with DB_DSN set, on PostgreSQL.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import ASGIClient

from reos.core.settings import Settings
from reos.main import create_app
from tests.conftest import Account

BASE_URL = "http://testserver"
CHECKS = [not_a_server_error]
FUZZ_SETTINGS = settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture
def http(app: Any, client: TestClient) -> Iterator[ASGIClient]:
    # Not entered as a context manager: the app's lifespan is the `client` fixture's, so the
    # fuzzer neither starts a second one nor keeps the app alive after the test.
    session = ASGIClient(app, base_url=BASE_URL)
    yield session
    session.close()


def _openapi_document() -> dict[str, Any]:
    # Read at collection, so each operation is a test of its own; the app is built in a scratch
    # directory because mock mode writes signing keys under VAR_DIR.
    with tempfile.TemporaryDirectory() as scratch:
        var_dir = Path(scratch)
        app = create_app(
            Settings(
                mode="mock",
                var_dir=var_dir,
                db_dsn=f"sqlite:///{var_dir / 'openapi.db'}",
                redis_url="",
                celery_broker_url="",
            )
        )
        document: dict[str, Any] = app.openapi()
        return document


DOCUMENT = _openapi_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)
# Without a token almost every operation answers 401 before reading its input, so the coverage
# phase (every boundary case of every parameter, unbounded by max_examples) would mostly repeat
# that 401; the public operations still get their examples and fuzzed cases.
anonymous_schema = schemathesis.openapi.from_dict(DOCUMENT)
anonymous_schema.config.phases.update(phases=["examples", "fuzzing"])


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_server_error_for_an_organization(
    case: schemathesis.Case, http: ASGIClient, admin: Account
) -> None:
    case.call_and_validate(base_url=BASE_URL, session=http, headers=admin.headers, checks=CHECKS)


@anonymous_schema.parametrize()
@settings(FUZZ_SETTINGS, max_examples=4)
def test_no_server_error_without_credentials(case: schemathesis.Case, http: ASGIClient) -> None:
    case.call_and_validate(base_url=BASE_URL, session=http, checks=CHECKS)
