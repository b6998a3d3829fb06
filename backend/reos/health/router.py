"""/healthz, /readyz and /metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from reos.api.deps import ContainerDep
from reos.health import service

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers; no dependency is consulted."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "A dependency is down; `down` names it"}})
async def readyz(services: ContainerDep) -> JSONResponse:
    """Readiness: database, Redis, broker and each provider."""
    checks = [
        await run_in_threadpool(service.check_database, services.database),
        await run_in_threadpool(service.check_redis, services.redis, services.limiter),
        await run_in_threadpool(service.check_broker, services.settings.celery_broker_url),
        *await run_in_threadpool(service.check_providers, services.providers),
    ]
    ready, body = service.readiness(checks)
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response)
def metrics(services: ContainerDep) -> Response:
    """Prometheus metrics: requests by route, method and status, and latency histograms."""
    body: Any = services.metrics.render()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
