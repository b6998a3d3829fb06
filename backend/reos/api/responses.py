"""OpenAPI descriptions of the problem+json error responses routes may return."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel

DESCRIPTIONS = {
    400: "Malformed request",
    401: "Missing, invalid or revoked token",
    403: "The role lacks the permission",
    404: "Not found in your organization",
    409: "Conflicts with an existing record or a request in progress",
    413: "Payload too large",
    422: "Validation failed; `errors` names each field",
    429: "Rate limited or locked out; see Retry-After",
}


class FieldProblemOut(BaseModel):
    field: str
    message: str
    type: str


class ProblemOut(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblemOut] | None = None


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "description": DESCRIPTIONS[status],
            "model": ProblemOut,
            "content": {"application/problem+json": {}},
        }
        for status in statuses
    }


AUTH_ERRORS = errors(401, 429)
READ_ERRORS = errors(401, 403, 404, 429)
WRITE_ERRORS = errors(401, 403, 404, 409, 422, 429)


class JSONBytes(Response):
    """A body already serialized as JSON (a cached answer), sent as it is: the route's
    `response_model` still documents it, and FastAPI does not validate a Response again."""

    media_type = "application/json"
