"""/healthz, /readyz and /metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from reos.health import service

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers; no dependency is consulted."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "A dependency is down; `down` names it"}})
async def readyz(request: Request) -> JSONResponse:
    """Readiness: database, Redis, broker and each provider."""
    state = request.app.state
    checks = [
        await run_in_threadpool(service.check_database, state.db),
        await run_in_threadpool(service.check_redis, state.redis, state.limiter),
        await run_in_threadpool(service.check_broker, state.settings.celery_broker_url),
        *await run_in_threadpool(service.check_providers, state.providers),
    ]
    ready, body = service.readiness(checks)
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus metrics: requests by route, method and status, and latency histograms."""
    body: Any = request.app.state.metrics.render()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
