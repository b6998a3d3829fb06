"""Exception handlers that turn every error into RFC 9457 application/problem+json."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from reos.core.errors import PROBLEM_JSON, DomainError, problem_body
from reos.core.logging import get_logger

log = get_logger("reos.errors")

HTTP_TITLES = {
    400: ("Bad request", "bad-request"),
    401: ("Not authenticated", "unauthorized"),
    403: ("Forbidden", "forbidden"),
    404: ("Not found", "not-found"),
    405: ("Method not allowed", "method-not-allowed"),
    406: ("Not acceptable", "not-acceptable"),
    409: ("Conflict", "conflict"),
    413: ("Payload too large", "payload-too-large"),
    415: ("Unsupported media type", "unsupported-media-type"),
    422: ("Validation failed", "validation-failed"),
    429: ("Too many requests", "too-many-requests"),
}


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=body["status"], headers=headers, media_type=PROBLEM_JSON)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(exc.problem(request.url.path), exc.headers)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = list(exc.errors())
    if any(p.get("type") == "json_invalid" for p in problems):
        return problem_response(
            problem_body(
                status=400,
                title="Malformed JSON",
                slug="malformed-json",
                detail="The request body is not valid JSON.",
                instance=request.url.path,
            )
        )
    errors = [
        {
            "field": _field_path(p.get("loc", ())),
            "message": str(p.get("msg", "invalid")),
            "type": str(p.get("type", "invalid")),
        }
        for p in problems
    ]
    fields = ", ".join(e["field"] for e in errors[:5])
    return problem_response(
        problem_body(
            status=422,
            title="Validation failed",
            slug="validation-failed",
            detail=f"Invalid input: {fields}.",
            instance=request.url.path,
            errors=errors,
        )
    )


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title, slug = HTTP_TITLES.get(exc.status_code, ("Error", "error"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    return problem_response(
        problem_body(
            status=exc.status_code,
            title=title,
            slug=slug,
            detail=detail,
            instance=request.url.path,
        ),
        dict(exc.headers or {}),
    )


async def integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # Services check what they can; a constraint that still fires means a concurrent write.
    log.warning("integrity_conflict", error=str(getattr(exc, "orig", exc))[:200])
    return problem_response(
        problem_body(
            status=409,
            title="Conflict",
            slug="conflict",
            detail="The change conflicts with an existing record.",
            instance=request.url.path,
        )
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(IntegrityError, integrity_error)
