"""Tokens, passwords and lockout arithmetic as plain values."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from reos.auth.lockout import FailureState, lockout_minutes, register_failure, seconds_locked
from reos.core.security.passwords import hash_password, verify_password
from reos.core.security.tokens import InvalidToken, TokenService
from reos.core.settings import Settings


@pytest.fixture(scope="module")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> TokenService:
    return TokenService(Settings(var_dir=tmp_path_factory.mktemp("keys")))


def issue(tokens: TokenService, **kwargs: object) -> str:
    token, _ = tokens.issue(
        token_type=kwargs.pop("token_type", "access"),  # type: ignore[arg-type]
        user_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        **kwargs,  # type: ignore[arg-type]
    )
    return token


def test_issued_token_verifies(tokens: TokenService) -> None:
    claims = tokens.verify(issue(tokens), expected_type="access")
    assert claims.token_type == "access"


def test_expired_token_is_rejected(tokens: TokenService) -> None:
    old = issue(tokens, now=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(InvalidToken):
        tokens.verify(old, expected_type="access")


def test_refresh_token_is_not_an_access_token(tokens: TokenService) -> None:
    with pytest.raises(InvalidToken):
        tokens.verify(issue(tokens, token_type="refresh"), expected_type="access")


def test_alg_none_and_hs256_confusion_are_rejected(tokens: TokenService) -> None:
    claims = jwt.decode(issue(tokens), options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": tokens.keys.key_id})
    with pytest.raises(InvalidToken):
        tokens.verify(unsigned, expected_type="access")

    # Signing with the public key as an HMAC secret is the classic confusion attack.
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": tokens.keys.key_id}).encode())
    body = b64(json.dumps(claims).encode())
    signature = hmac.new(tokens.keys.public_pem, f"{head}.{body}".encode(), hashlib.sha256)
    with pytest.raises(InvalidToken):
        tokens.verify(f"{head}.{body}.{b64(signature.digest())}", expected_type="access")


@pytest.mark.parametrize("claim", ["iss", "aud"])
def test_wrong_issuer_or_audience_is_rejected(tokens: TokenService, claim: str) -> None:
    other = TokenService(
        tokens.settings.model_copy(
            update={f"jwt_{'issuer' if claim == 'iss' else 'audience'}": "someone-else"}
        ),
        tokens.keys,
    )
    with pytest.raises(InvalidToken):
        tokens.verify(issue(other), expected_type="access")


def test_missing_claim_is_rejected(tokens: TokenService) -> None:
    claims = jwt.decode(issue(tokens), options={"verify_signature": False})
    del claims["jti"]
    token = jwt.encode(
        claims, tokens._private, algorithm="RS256", headers={"kid": tokens.keys.key_id}
    )  # type: ignore[arg-type]
    with pytest.raises(InvalidToken):
        tokens.verify(token, expected_type="access")


def test_keys_are_generated_once_and_reused(tmp_path: Path) -> None:
    first = TokenService(Settings(var_dir=tmp_path))
    second = TokenService(Settings(var_dir=tmp_path))
    assert first.keys == second.keys
    assert (tmp_path / "keys" / "jwt_private.pem").stat().st_mode & 0o077 == 0


def test_production_mode_never_generates_keys(tmp_path: Path) -> None:
    settings = Settings(mode="production", var_dir=tmp_path, db_dsn="postgresql+psycopg://x@y/z")
    with pytest.raises(RuntimeError, match="JWT_PRIVATE_KEY"):
        TokenService(settings)
    assert not (tmp_path / "keys").exists()


def test_passwords_hash_with_argon2id() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2id$")
    assert verify_password("correct horse", hashed)
    assert not verify_password("correct horsf", hashed)
    assert not verify_password("anything", None)


def test_lockout_doubles_per_lockout() -> None:
    assert [lockout_minutes(n) for n in range(5)] == [1, 2, 4, 8, 16]
    assert lockout_minutes(40) == 24 * 60


def test_fifth_failure_locks_and_resets_the_count() -> None:
    state = FailureState()
    for _ in range(4):
        state = register_failure(state, 5, now=1000.0)
    assert state.failures == 4 and seconds_locked(state, now=1000.0) == 0
    state = register_failure(state, 5, now=1000.0)
    assert (state.failures, state.lockouts) == (0, 1)
    assert seconds_locked(state, now=1000.0) == 60
    for _ in range(5):
        state = register_failure(state, 5, now=2000.0)
    assert seconds_locked(state, now=2000.0) == 120


def test_a_verified_token_still_expires(tokens: TokenService) -> None:
    soon = issue(tokens, now=datetime.now(UTC) - tokens.access_ttl + timedelta(seconds=3))
    assert tokens.verify(soon, expected_type="access")  # verified and remembered
    time.sleep(3.1)
    with pytest.raises(InvalidToken):
        tokens.verify(soon, expected_type="access")


def test_a_remembered_token_keeps_its_type(tokens: TokenService) -> None:
    refresh = issue(tokens, token_type="refresh")
    tokens.verify(refresh, expected_type="refresh")
    with pytest.raises(InvalidToken):
        tokens.verify(refresh, expected_type="access")


def test_the_memory_of_verified_tokens_is_bounded() -> None:
    from reos.core.security.tokens import VerifiedTokens

    memory = VerifiedTokens(capacity=2)
    claims = object()
    for token in ("a", "b", "c"):
        memory.put(token, claims)  # type: ignore[arg-type]
    assert memory.get("a") is None and memory.get("c") is claims
