"""create_app(): settings, middleware, routers and lifespan of the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware

from reos.api.deps import container_of
from reos.api.idempotency import IdempotentReplay
from reos.auth.router import router as auth_router
from reos.composition import build_api_container
from reos.core.db import Database
from reos.core.http.context import RequestContextMiddleware
from reos.core.http.headers import SecurityHeadersMiddleware
from reos.core.http.problems import install_problem_handlers
from reos.core.http.ratelimit import ClientAddress, RateLimitMiddleware
from reos.core.http.unit_of_work import UnitOfWorkMiddleware
from reos.core.logging import configure_logging
from reos.core.security.tokens import InvalidToken
from reos.core.settings import Settings, get_settings
from reos.docs_page import mount_docs
from reos.health.router import router as health_router
from reos.jobs import JobCatalog
from reos.leads.router import router as leads_router
from reos.listings.router import router as listings_router
from reos.outreach.router import router as outreach_router
from reos.properties.router import router as properties_router
from reos.search.router import router as search_router
from reos.storage.router import router as storage_router
from reos.tasks.router import admin_router as dlq_router
from reos.tasks.router import router as tasks_router
from reos.users.router import router as users_router

API_PREFIX = "/api/v1"


def operation_id(route: APIRoute) -> str:
    """`tag-name` operation ids, e.g. `auth-login`, for a clean generated client."""
    tag = str(route.tags[0]) if route.tags else "meta"
    return f"{tag}-{route.name.replace('_', '-')}"


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    jobs: JobCatalog | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    container = build_api_container(settings, database=database, jobs=jobs)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(container.providers.initialize_all)
        yield
        await run_in_threadpool(container.close)

    app = FastAPI(
        title="Real Estate OS API",
        version="0.1.0",
        description="CRM, outreach and investment platform; mock providers by default.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
    )
    app.state.container = container
    tokens, metrics, limiter = container.tokens, container.metrics, container.limiter

    install_problem_handlers(app)
    app.add_exception_handler(IdempotentReplay, _replay)

    for router in (
        health_router,
        auth_router,
        users_router,
        storage_router,
        outreach_router,
        properties_router,
        listings_router,
        leads_router,
        search_router,
        tasks_router,
        dlq_router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    mount_docs(app, prefix=f"{API_PREFIX}/docs", openapi_url=f"{API_PREFIX}/openapi.json")

    def bearer_subject(token: str) -> str | None:
        try:
            return str(tokens.verify(token, expected_type="access").subject)
        except InvalidToken:
            return None

    # Added innermost first: a request passes headers → context → CORS → rate limit → UoW.
    app.add_middleware(UnitOfWorkMiddleware, database=lambda: container.database)
    app.add_middleware(
        RateLimitMiddleware,
        limiter=limiter,
        default=settings.rate_limit_default,
        auth=settings.rate_limit_auth,
        identify_bearer=bearer_subject,
        client_address=ClientAddress(settings.trusted_proxies),
        metrics=metrics,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
        expose_headers=["X-Request-ID", "RateLimit", "RateLimit-Policy", "Retry-After"],
    )
    app.add_middleware(RequestContextMiddleware, metrics=metrics, api_prefix=API_PREFIX)
    # Outermost, so even the 500 that RequestContext renders for a crash gets the headers.
    app.add_middleware(SecurityHeadersMiddleware, docs_prefix=f"{API_PREFIX}/docs")
    return app


async def _replay(request: Request, exc: Exception) -> Response:
    """Answer a reused Idempotency-Key with the first response, byte for byte."""
    assert isinstance(exc, IdempotentReplay)
    container_of(request).metrics.idempotent_replays.inc()
    headers = dict(exc.stored_headers)
    headers["Idempotent-Replayed"] = "true"
    media_type = headers.pop("content-type", "application/json")
    return Response(
        exc.stored_body, status_code=exc.stored_status, headers=headers, media_type=media_type
    )
