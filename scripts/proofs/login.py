"""LOGIN_PROOF.json: a demo login returns RS256 tokens carrying the claims we rely on."""

from __future__ import annotations

from typing import Any

import jwt

from .harness import ProofContext, ProofResult

NAME = "login"
FILE = "LOGIN_PROOF.json"
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "jti", "sub")
TOKEN_FIELDS = ("access_token", "refresh_token")


def _truncate(token: object) -> object:
    return token[:16] + "…" if isinstance(token, str) and token else token


def run(ctx: ProofContext) -> ProofResult:
    response = ctx.login("admin")  # cached: the other admin proofs reuse this login
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        body = {"unparsed": response.text}
    access = body.get("access_token") if isinstance(body.get("access_token"), str) else ""
    header: dict[str, Any] = jwt.get_unverified_header(access) if access else {}
    # Unverified on purpose: the proof shows what the token says; the API verifies signatures.
    claims: dict[str, Any] = (
        jwt.decode(access, options={"verify_signature": False}) if access else {}
    )
    me = (
        ctx.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {access}"})
        if access
        else None
    )
    me_status = me.status_code if me is not None else None
    me_body = me.json() if me is not None and me.content else None
    ctx.write_json(
        FILE,
        {
            "status": response.status_code,
            "response": {k: _truncate(v) if k in TOKEN_FIELDS else v for k, v in body.items()},
            "jwt_header": header,
            "jwt_claims": claims,
            "me": {"status": me_status, "body": me_body},
        },
    )
    missing = [c for c in REQUIRED_CLAIMS if c not in claims]
    checks = {
        "status 200": response.status_code == 200,
        "both tokens": all(body.get(k) for k in TOKEN_FIELDS),
        "token_type bearer": body.get("token_type") == "bearer",
        "expires_in": isinstance(body.get("expires_in"), int) and body["expires_in"] > 0,
        "alg RS256": header.get("alg") == "RS256",
        "kid": bool(header.get("kid")),
        "claims": not missing,
        "/auth/me 200": me_status == 200,
    }
    failed = [name for name, ok in checks.items() if not ok]
    detail = f"failed: {', '.join(failed)}" if failed else ""
    if missing:
        detail += f"; missing claims: {', '.join(missing)}"
    figure = f"{response.status_code}, alg={header.get('alg')}, kid={bool(header.get('kid'))}, "
    figure += f"{len(REQUIRED_CLAIMS) - len(missing)}/{len(REQUIRED_CLAIMS)} claims"
    return ProofResult(NAME, FILE, not failed, figure, detail)
