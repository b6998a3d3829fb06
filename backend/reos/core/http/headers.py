"""Security headers on every response."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# The docs page loads only our own copies of Swagger UI's script, styles and the spec.
DOCS_CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"connect-src 'self'; frame-ancestors 'none'"
)
COMMON = (
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=()"),
    (b"x-xss-protection", b"0"),
)
REPLACED = frozenset({b"server", b"content-security-policy", *(name for name, _ in COMMON)})


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, docs_prefix: str = "/api/v1/docs") -> None:
        self.app = app
        self.docs_prefix = docs_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_docs = scope["path"].startswith(self.docs_prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Ours replace any the route set, except its own Cache-Control.
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() not in REPLACED
                ]
                headers += COMMON
                headers.append((b"content-security-policy", DOCS_CSP if is_docs else API_CSP))
                if not is_docs and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
