"""LOGIN_PROOF.json: a demo login returns RS256 tokens with the claims we check."""

from __future__ import annotations

import jwt

from proofs.harness import DEMO_DOMAIN, DEMO_PASSWORD, ProofContext, ProofResult

FILE = "LOGIN_PROOF.json"
REQUIRED = {"exp", "iat", "iss", "aud", "jti", "sub"}


def _truncate(token: str) -> str:
    return token[:16] + "…"


def run(ctx: ProofContext) -> ProofResult:
    response = ctx.client.post(
        "/api/v1/auth/login",
        json={"email": f"admin@{DEMO_DOMAIN}", "password": DEMO_PASSWORD},
    )
    body = response.json()
    access = body.get("access_token", "")
    header = jwt.get_unverified_header(access) if access else {}
    claims = jwt.decode(access, options={"verify_signature": False}) if access else {}
    me = ctx.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {access}"})
    ctx.write_json(
        FILE,
        {
            "status": response.status_code,
            "response": {
                **body,
                "access_token": _truncate(access),
                "refresh_token": _truncate(body.get("refresh_token", "")),
            },
            "jwt_header": header,
            "jwt_claims": claims,
            "me": me.json(),
        },
    )
    passed = (
        response.status_code == 200
        and body.get("token_type") == "bearer"
        and header.get("alg") == "RS256"
        and bool(header.get("kid"))
        and set(claims) >= REQUIRED
        and me.status_code == 200
    )
    return ProofResult(
        "login", FILE, passed, f"alg={header.get('alg')} status={response.status_code}"
    )
