"""SECURITY_HEADERS_PROOF.txt: the security headers on API responses and on the docs page."""

from __future__ import annotations

import httpx

from .harness import ProofContext, ProofResult, check_lines, format_headers

NAME = "security_headers"
FILE = "SECURITY_HEADERS_PROOF.txt"
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def _checks(label: str, response: httpx.Response, api: bool) -> list[tuple[str, bool]]:
    h = response.headers
    csp = h.get("content-security-policy", "")
    checks = [
        (f"{label}: Strict-Transport-Security", h.get("strict-transport-security", "") != ""),
        (f"{label}: X-Content-Type-Options: nosniff", h.get("x-content-type-options") == "nosniff"),
        (f"{label}: X-Frame-Options: DENY", h.get("x-frame-options") == "DENY"),
        (f"{label}: Referrer-Policy", h.get("referrer-policy", "") != ""),
        (f"{label}: Cross-Origin-Opener-Policy", h.get("cross-origin-opener-policy", "") != ""),
        (f"{label}: X-Request-ID", h.get("x-request-id", "") != ""),
        (f"{label}: no Server header", "server" not in h),
        (f"{label}: X-XSS-Protection absent or 0", h.get("x-xss-protection", "0") == "0"),
    ]
    if api:
        checks += [
            (f"{label}: Content-Security-Policy: {API_CSP}", csp == API_CSP),
            (f"{label}: Cache-Control: no-store", h.get("cache-control") == "no-store"),
        ]
    else:
        checks.append(
            (
                f"{label}: Content-Security-Policy with script-src 'self', no unsafe-inline",
                "script-src 'self'" in csp and "unsafe-inline" not in csp,
            )
        )
    return checks


def run(ctx: ProofContext) -> ProofResult:
    targets = [
        ("GET /api/v1/healthz", ctx.client.get("/api/v1/healthz"), True, 200),
        ("GET /api/v1/auth/me (no token)", ctx.client.get("/api/v1/auth/me"), True, 401),
        ("GET /api/v1/docs", ctx.client.get("/api/v1/docs"), False, 200),
    ]
    sections, checks = [], []
    for label, response, api, status in targets:
        sections.append(f"--- {label} ---\n{format_headers(response)}")
        checks.append((f"{label}: status {status}", response.status_code == status))
        checks += _checks(label, response, api)
    ctx.write(FILE, "\n\n".join([*sections, check_lines(checks)]))
    failed = [label for label, ok in checks if not ok]
    figure = f"{len(checks) - len(failed)}/{len(checks)} checks"
    return ProofResult(NAME, FILE, not failed, figure, "; ".join(failed))
