"""SECURITY_HEADERS_PROOF.txt: the security headers on API responses and the docs page."""

from __future__ import annotations

import httpx

from proofs.harness import ProofContext, ProofResult, check_lines, format_headers

FILE = "SECURITY_HEADERS_PROOF.txt"
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def _checks(label: str, response: httpx.Response, api: bool) -> list[tuple[str, bool]]:
    h = response.headers
    csp = h.get("content-security-policy", "")
    checks = [
        (
            f"{label}: Strict-Transport-Security",
            h.get("strict-transport-security", "").startswith("max-age="),
        ),
        (f"{label}: X-Content-Type-Options nosniff", h.get("x-content-type-options") == "nosniff"),
        (f"{label}: X-Frame-Options DENY", h.get("x-frame-options") == "DENY"),
        (f"{label}: Referrer-Policy", "referrer-policy" in h),
        (f"{label}: Cross-Origin-Opener-Policy", "cross-origin-opener-policy" in h),
        (f"{label}: X-Request-ID", bool(h.get("x-request-id"))),
        (f"{label}: no Server header", "server" not in h),
        (f"{label}: X-XSS-Protection absent or 0", h.get("x-xss-protection", "0") == "0"),
    ]
    if api:
        checks += [
            (f"{label}: CSP {API_CSP}", csp == API_CSP),
            (f"{label}: Cache-Control no-store", h.get("cache-control") == "no-store"),
        ]
    else:
        checks.append(
            (
                f"{label}: CSP script-src 'self' without unsafe-inline",
                "script-src 'self'" in csp and "unsafe-inline" not in csp,
            )
        )
    return checks


def run(ctx: ProofContext) -> ProofResult:
    targets = [
        ("GET /api/v1/healthz", ctx.client.get("/api/v1/healthz"), True),
        ("GET /api/v1/auth/me (no token)", ctx.client.get("/api/v1/auth/me"), True),
        ("GET /api/v1/docs", ctx.client.get("/api/v1/docs"), False),
    ]
    sections, checks = [], []
    for label, response, api in targets:
        sections.append(f"--- {label} ---\n{format_headers(response)}")
        checks += _checks(label, response, api)
    ctx.write(FILE, "\n\n".join([*sections, check_lines(checks)]))
    failed = [label for label, ok in checks if not ok]
    return ProofResult(
        "security_headers", FILE, not failed, f"{len(checks) - len(failed)}/{len(checks)} checks"
    )
