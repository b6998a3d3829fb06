"""Odd and malformed search input on both databases: a lone surrogate, bad JSON, query text
that looks like operators or SQL, and the FTS5 quoting that makes it harmless."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reos.core.db import Database
from reos.search.backends import fts5_query
from tests.builders import add_campaign, add_lead, add_property
from tests.conftest import Account
from tests.search.conftest import SEARCH, field_errors, search, suggest


def test_a_lone_surrogate_is_a_422_and_bad_json_a_400(client: TestClient, admin: Account) -> None:
    headers = {**admin.headers, "Content-Type": "application/json"}
    response = client.post(f"{SEARCH}/properties", headers=headers, content='{"q": "\\ud800"}')
    assert response.status_code == 422, response.text
    assert "body.q" in field_errors(response)
    response = client.post(f"{SEARCH}/leads", headers=headers, content='{"q": ')
    assert response.status_code == 400


ODD_QUERIES = [
    '"',
    '""',
    '"unterminated phrase',
    "AND(",
    "OR",
    "or or or",
    "NOT",
    "a AND NOT b",
    "-",
    "--",
    "-pool",
    "a -",
    "*",
    "pool*",
    "^pool",
    "NEAR(pool garden)",
    "{address}: pool",
    "address:pool",
    "!(&|):*<->",
    "'; DROP TABLE properties; --",
    "\\",
    "%",
    "_",
    "%_%\\%",
    "the",
    "café crème",
    "日本語の住所",
    "Ünïcödé ŁÓDŹ",
    "😀 🏠",
    "\u200b\u00a0",
    "a" * 100,
    "word " * 20,
    "(((((",
    "a:b:c",
    "+14155550100",
]


@pytest.mark.parametrize("q", ODD_QUERIES)
def test_odd_query_text_never_fails(
    client: TestClient, admin: Account, database: Database, q: str
) -> None:
    add_property(database, admin, "1 Pool Rd", description="pool and garden", city="Café")
    add_lead(database, admin, "Pool", "Garden", notes=q)
    add_campaign(database, admin, "Pool party")
    for kind in ("properties", "leads", "campaigns"):
        search(client, admin, kind, q=q)
        search(client, admin, kind, q=q, sort="created_at")
    if len(q) <= 100:
        suggest(client, admin, q)


def test_fts5_queries_quote_every_word() -> None:
    assert fts5_query('pool "quiet garden" or -river loft') is not None
    assert fts5_query("pool garden") == '("pool" AND "garden")'
    assert fts5_query("pool or garden") == '("pool") OR ("garden")'
    assert fts5_query("garden -pool") == '(("garden") NOT "pool")'
    assert fts5_query('"quiet garden"') == '("quiet garden")'
    # Operators are words like any other ("and" a stop word at that); punctuation inside a
    # term makes a phrase of its words, as the tokenizer would.
    assert fts5_query('AND( NEAR" OR(x') == '("NEAR" AND "OR x")'
    for nothing in ('"', "-", "the", "-pool", "!@#$", ""):
        assert fts5_query(nothing) is None
