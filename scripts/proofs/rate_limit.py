"""RATE_LIMIT_PROOF.txt: past the quota a user gets 429 with Retry-After and RateLimit headers."""

from __future__ import annotations

import re

from proofs.harness import ProofContext, ProofResult, format_headers

FILE = "RATE_LIMIT_PROOF.txt"
POLICY = re.compile(r'"(?P<name>[^"]+)";q=(?P<quota>\d+);w=(?P<window>\d+)')
STATE = re.compile(r'"(?P<name>[^"]+)";r=(?P<remaining>\d+);t=(?P<reset>\d+)')


def run(ctx: ProofContext) -> ProofResult:
    headers = ctx.bearer("viewer")
    first = ctx.client.get("/api/v1/auth/me", headers=headers)
    policy = POLICY.match(first.headers.get("RateLimit-Policy", ""))
    state = STATE.match(first.headers.get("RateLimit", ""))
    if not policy or not state:
        ctx.write(FILE, "FAIL  no RateLimit-Policy/RateLimit headers\n" + format_headers(first))
        return ProofResult("rate_limit", FILE, False, "headers missing")
    quota, remaining = int(policy["quota"]), int(state["remaining"])
    allowed, refused = 1, None
    for _ in range(remaining + 10):
        response = ctx.client.get("/api/v1/auth/me", headers=headers)
        if response.status_code == 429:
            refused = response
            break
        allowed += 1
    lines = [
        f"policy: {first.headers['RateLimit-Policy']} (quota {quota} per {policy['window']}s)",
        f"first response: remaining {remaining} after it",
        f"allowed before the first 429: {allowed} (expected {remaining + 1})",
    ]
    if refused is None:
        ctx.write(FILE, "\n".join([*lines, "FAIL  no 429 within quota + 10 requests"]))
        return ProofResult("rate_limit", FILE, False, f"no 429 after {allowed} requests")
    retry_after = refused.headers.get("Retry-After", "")
    checks = [
        ("429 after exactly the remaining quota", allowed == remaining + 1),
        ("Retry-After is a positive integer", retry_after.isdigit() and int(retry_after) > 0),
        ("RateLimit-Policy on the 429", "RateLimit-Policy" in refused.headers),
        (
            "RateLimit shows r=0 on the 429",
            '"default";r=0;' in refused.headers.get("RateLimit", ""),
        ),
        (
            "body is problem+json with status 429",
            refused.headers.get("content-type") == "application/problem+json"
            and refused.json().get("status") == 429,
        ),
    ]
    report = [
        *lines,
        "",
        "--- the first refused response ---",
        format_headers(refused),
        "",
        refused.text,
        "",
        *(f"{'PASS' if ok else 'FAIL'}  {label}" for label, ok in checks),
    ]
    ctx.write(FILE, "\n".join(report))
    passed = all(ok for _, ok in checks)
    return ProofResult(
        "rate_limit", FILE, passed, f"429 after {allowed} requests, Retry-After={retry_after}s"
    )
