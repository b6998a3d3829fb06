"""Idempotency-key parsing, request fingerprints and log redaction as plain values."""

from __future__ import annotations

import pytest

from reos.api.idempotency import parse_key, request_fingerprint
from reos.core.errors import BadRequest
from reos.core.logging import REDACTED, redact_secrets


@pytest.mark.parametrize("raw,key", [("abc", "abc"), ('"abc"', "abc"), ("  k-1  ", "k-1")])
def test_bare_and_quoted_keys_parse_alike(raw: str, key: str) -> None:
    assert parse_key(raw) == key


@pytest.mark.parametrize("raw", ["", "x" * 256, "with space", "é"])
def test_malformed_keys_are_bad_requests(raw: str) -> None:
    with pytest.raises(BadRequest):
        parse_key(raw)


def test_fingerprint_covers_method_path_and_body() -> None:
    base = request_fingerprint("POST", "/a", b"{}")
    assert base == request_fingerprint("POST", "/a", b"{}")
    assert base != request_fingerprint("PUT", "/a", b"{}")
    assert base != request_fingerprint("POST", "/b", b"{}")
    assert base != request_fingerprint("POST", "/a", b"{ }")


def test_secrets_never_reach_a_log_line() -> None:
    event = {
        "event": "x",
        "password": "hunter2",
        "refresh_token": "t",
        "Authorization": "b",
        "email": "e",
    }
    redacted = redact_secrets(None, "info", dict(event))
    assert (
        redacted["password"] == redacted["refresh_token"] == redacted["Authorization"] == REDACTED
    )
    assert redacted["email"] == "e"
