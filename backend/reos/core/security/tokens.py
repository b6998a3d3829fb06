"""RS256 access and refresh tokens (PyJWT) with pinned algorithm and fully checked claims."""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from reos.core.local_secrets import generated_once
from reos.core.settings import Settings

ALGORITHM = "RS256"
TokenType = Literal["access", "refresh"]
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "jti", "sub", "typ", "org", "sid"]


class InvalidToken(Exception):
    """The token is malformed, expired, of the wrong type, or not ours."""


@dataclass(frozen=True)
class TokenClaims:
    subject: uuid.UUID
    organization_id: uuid.UUID
    session_id: uuid.UUID
    token_id: str
    token_type: TokenType
    expires_at: datetime


@dataclass(frozen=True)
class SigningKeys:
    private_pem: bytes
    public_pem: bytes
    key_id: str


def _key_id(public_pem: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(public_pem).digest()[:12]).decode().rstrip("=")


def load_signing_keys(settings: Settings) -> SigningKeys:
    """Keys from settings; in mock mode only, generated once under VAR_DIR/keys."""
    private = settings.jwt_private_key.get_secret_value()
    if private:
        public = settings.jwt_public_key.encode()
        return SigningKeys(private.encode(), public, settings.jwt_key_id or _key_id(public))
    if settings.mode != "mock":
        raise RuntimeError("JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are required in production mode")
    # Only the private key is kept: the public key is derived from it, so the pair can never
    # disagree, even when two processes start at once.
    private_pem = generated_once(settings.var_dir / "keys" / "jwt_private.pem", _new_private_key)
    key = serialization.load_pem_private_key(private_pem, password=None)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return SigningKeys(private_pem, public_pem, _key_id(public_pem))


def _new_private_key() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class VerifiedTokens:
    """A bounded, thread-safe memory of tokens whose signature and claims already checked out."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._claims: OrderedDict[str, TokenClaims] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> TokenClaims | None:
        with self._lock:
            claims = self._claims.get(token)
            if claims is not None:
                self._claims.move_to_end(token)
            return claims

    def put(self, token: str, claims: TokenClaims) -> None:
        with self._lock:
            self._claims[token] = claims
            if len(self._claims) > self.capacity:
                self._claims.popitem(last=False)


class TokenService:
    """Issues and verifies this deployment's tokens."""

    def __init__(self, settings: Settings, keys: SigningKeys | None = None) -> None:
        self.settings = settings
        self.keys = keys or load_signing_keys(settings)
        private = serialization.load_pem_private_key(self.keys.private_pem, password=None)
        public = serialization.load_pem_public_key(self.keys.public_pem)
        if not isinstance(private, RSAPrivateKey) or not isinstance(public, RSAPublicKey):
            raise RuntimeError("JWT keys must be an RSA key pair (RS256)")
        self._private: RSAPrivateKey = private
        self._public: RSAPublicKey = public
        self._verified = VerifiedTokens()

    @property
    def access_ttl(self) -> timedelta:
        return timedelta(minutes=self.settings.jwt_access_ttl_minutes)

    @property
    def refresh_ttl(self) -> timedelta:
        return timedelta(days=self.settings.jwt_refresh_ttl_days)

    def issue(
        self,
        *,
        token_type: TokenType,
        user_id: uuid.UUID,
        organization_id: uuid.UUID,
        session_id: uuid.UUID,
        token_id: str | None = None,
        now: datetime | None = None,
    ) -> tuple[str, TokenClaims]:
        now = now or datetime.now(UTC)
        ttl = self.access_ttl if token_type == "access" else self.refresh_ttl
        claims = TokenClaims(
            subject=user_id,
            organization_id=organization_id,
            session_id=session_id,
            token_id=token_id or uuid.uuid4().hex,
            token_type=token_type,
            expires_at=now + ttl,
        )
        payload: dict[str, Any] = {
            "iss": self.settings.jwt_issuer,
            "aud": self.settings.jwt_audience,
            "sub": str(user_id),
            "org": str(organization_id),
            "sid": str(session_id),
            "jti": claims.token_id,
            "typ": token_type,
            "iat": int(now.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        token = jwt.encode(
            payload, self._private, algorithm=ALGORITHM, headers={"kid": self.keys.key_id}
        )
        return token, claims

    def verify(self, token: str, *, expected_type: TokenType) -> TokenClaims:
        """The token's claims, or InvalidToken. A token verified before is not verified again
        (the rate limiter and the auth dependency both read every request's token), but its
        expiry is checked on every call."""
        cached = self._verified.get(token)
        if cached is not None:
            if cached.token_type != expected_type:
                raise InvalidToken("wrong token type")
            if cached.expires_at <= datetime.now(UTC):
                raise InvalidToken("token expired")
            return cached
        claims = self._verify_signature(token, expected_type)
        self._verified.put(token, claims)
        return claims

    def _verify_signature(self, token: str, expected_type: TokenType) -> TokenClaims:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM or header.get("kid") != self.keys.key_id:
                raise InvalidToken("unknown signing key")
            payload = jwt.decode(
                token,
                self._public,
                algorithms=[ALGORITHM],
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": REQUIRED_CLAIMS},
            )
            if payload["typ"] != expected_type:
                raise InvalidToken("wrong token type")
            return TokenClaims(
                subject=uuid.UUID(payload["sub"]),
                organization_id=uuid.UUID(payload["org"]),
                session_id=uuid.UUID(payload["sid"]),
                token_id=str(payload["jti"]),
                token_type=expected_type,
                expires_at=datetime.fromtimestamp(payload["exp"], UTC),
            )
        except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
            raise InvalidToken(str(exc)) from exc
