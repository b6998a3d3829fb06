"""Outermost middleware: request id, access log, metrics, and a problem+json 500 for crashes."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import MutableMapping
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reos.core.errors import problem_body
from reos.core.http.asgi import header, send_problem, set_header
from reos.core.logging import get_logger
from reos.core.metrics import ApiMetrics

# A caller's id is kept only if it is short and plain, so it cannot inject into logs.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
log = get_logger("reos.http")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: ApiMetrics, api_prefix: str = "") -> None:
        self.app = app
        self.metrics = metrics
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = header(scope, b"x-request-id")
        request_id = incoming if incoming and SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                set_header(message, b"x-request-id", request_id.encode())
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled_error", path=scope["path"], method=scope["method"])
            if response_started:
                raise
            status = 500
            await send_problem(
                send_with_id,
                problem_body(
                    status=500,
                    title="Internal server error",
                    slug="internal-error",
                    detail="An unexpected error occurred; quote the request id when reporting it.",
                    instance=scope["path"],
                    request_id=request_id,
                ),
            )
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope, self.api_prefix)
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route, scope["method"]).observe(elapsed)
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.clear_contextvars()


def _route_template(scope: MutableMapping[str, Any], api_prefix: str) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not path:
        # Unmatched paths are one label, so scanners cannot blow up the metric's cardinality.
        return "unmatched"
    # Routes of routers included under the API prefix carry their path relative to it.
    if api_prefix and scope["path"].startswith(api_prefix) and not path.startswith(api_prefix):
        return api_prefix + str(path)
    return str(path)
