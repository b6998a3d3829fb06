"""Password hashing with argon2id (pwdlib); length rules live in the request schemas."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


@lru_cache
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


@lru_cache
def _decoy_hash() -> str:
    # Verified against when the email is unknown, so both failures cost the same time.
    return _hasher().hash("decoy-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher().verify(password, _decoy_hash())
        return False
    return _hasher().verify(password, password_hash)
