"""RATE_LIMIT_PROOF.txt: past its quota a user gets a 429 with Retry-After and RateLimit headers."""

from __future__ import annotations

import re
import time

import httpx

from .harness import ProofContext, ProofResult, check_lines, format_headers

NAME = "rate_limit"
FILE = "RATE_LIMIT_PROOF.txt"
POLICY = re.compile(r'"(?P<name>[^"]+)";q=(?P<quota>\d+);w=(?P<window>\d+)')
STATE = re.compile(r'"(?P<name>[^"]+)";r=(?P<remaining>\d+);t=(?P<reset>\d+)')


def _body(response: httpx.Response) -> dict[str, object]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def run(ctx: ProofContext) -> ProofResult:
    headers = ctx.bearer("viewer")  # the viewer is used by no other proof: a fresh window
    first = ctx.client.get("/api/v1/auth/me", headers=headers)
    retry_after, waited = first.headers.get("Retry-After", ""), 0
    if first.status_code == 429 and retry_after.isdigit() and int(retry_after) <= 60:
        # A run a moment ago spent this user's window: wait for slots to free, then count.
        time.sleep(int(retry_after) + 1)
        first = ctx.client.get("/api/v1/auth/me", headers=headers)
        waited = int(retry_after) + 1
    policy = POLICY.search(first.headers.get("RateLimit-Policy", ""))
    state = STATE.search(first.headers.get("RateLimit", ""))
    if not policy or not state:
        ctx.write(FILE, "FAIL  no RateLimit-Policy/RateLimit headers\n\n" + format_headers(first))
        return ProofResult(NAME, FILE, False, "RateLimit headers missing")
    quota, remaining = int(policy["quota"]), int(state["remaining"])
    # Requests this user made earlier in the window: the first response's r counts them.
    spent_before = quota - 1 - remaining
    refused, number = None, 1
    while number < quota + 10:  # bounded: never more than quota + 10 requests
        number += 1
        response = ctx.client.get("/api/v1/auth/me", headers=headers)
        if response.status_code == 429:
            refused = response
            break
    allowed = number - 1 if refused is not None else number
    lines = [
        f"policy: {first.headers['RateLimit-Policy']} (quota {quota} per {policy['window']}s)",
        f"first response: {first.status_code}, RateLimit: {first.headers['RateLimit']}",
        f"requests by this user earlier in the window: {spent_before}",
    ]
    if waited:
        lines.append(f"(the first request was refused: an earlier run's; waited {waited}s)")
    if refused is None:
        lines.append(f"FAIL  no 429 within {number} requests (quota + 10)")
        ctx.write(FILE, "\n".join(lines))
        return ProofResult(NAME, FILE, False, f"no 429 in {number} requests (quota {quota})")
    retry_after = refused.headers.get("Retry-After", "")
    body = _body(refused)
    # Earlier requests in a sliding window may expire mid-run and free a slot each, so with
    # a head start the refusal comes between remaining + 1 and quota allowed requests.
    checks = [
        (
            f"first 429 after {allowed} allowed requests "
            f"(quota {quota}, expected {remaining + 1}..{quota})",
            remaining + 1 <= allowed <= quota,
        ),
        ("Retry-After is a positive integer", retry_after.isdigit() and int(retry_after) > 0),
        (
            "RateLimit-Policy on the 429",
            POLICY.search(refused.headers.get("RateLimit-Policy", "")) is not None,
        ),
        ("RateLimit on the 429", STATE.search(refused.headers.get("RateLimit", "")) is not None),
        (
            "body is application/problem+json with status 429",
            refused.headers.get("content-type", "").startswith("application/problem+json")
            and body.get("status") == 429,
        ),
    ]
    lines += [
        f"first 429: request #{number} ({allowed} allowed before it)",
        "",
        "--- the first refused response ---",
        format_headers(refused),
        "",
        refused.text,
        "",
        check_lines(checks),
    ]
    ctx.write(FILE, "\n".join(lines))
    passed = all(ok for _, ok in checks)
    figure = f"quota {quota}: 429 at request #{number}, Retry-After={retry_after or '-'}"
    return ProofResult(NAME, FILE, passed, figure)
