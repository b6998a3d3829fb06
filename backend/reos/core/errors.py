"""Domain errors raised by services, and their one translation into RFC 9457 problem+json."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://real-estate-os.dev/problems/"


@dataclass
class FieldProblem:
    """One field-level problem; `field` is a dotted path such as `body.email`."""

    field: str
    message: str
    type: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "type": self.type}


@dataclass(eq=False)
class DomainError(Exception):
    """Base of every error a service may raise; routers never build HTTP errors themselves."""

    detail: str = ""
    errors: list[FieldProblem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    def __post_init__(self) -> None:
        super().__init__(self.detail or self.title)

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        return problem_body(
            status=self.status,
            title=self.title,
            slug=self.slug,
            detail=self.detail or self.title,
            instance=instance,
            errors=[e.as_dict() for e in self.errors] or None,
            **self.extra,
        )


def problem_body(
    *,
    status: int,
    title: str,
    slug: str,
    detail: str,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


class BadRequest(DomainError):
    pass


@dataclass(eq=False)
class ValidationFailed(DomainError):
    status: int = 422
    title: str = "Validation failed"
    slug: str = "validation-failed"


@dataclass(eq=False)
class Unauthorized(DomainError):
    status: int = 401
    title: str = "Not authenticated"
    slug: str = "unauthorized"

    def __post_init__(self) -> None:
        self.headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
        super().__post_init__()


@dataclass(eq=False)
class Forbidden(DomainError):
    status: int = 403
    title: str = "Forbidden"
    slug: str = "forbidden"


@dataclass(eq=False)
class NotFound(DomainError):
    status: int = 404
    title: str = "Not found"
    slug: str = "not-found"


@dataclass(eq=False)
class Conflict(DomainError):
    status: int = 409
    title: str = "Conflict"
    slug: str = "conflict"


@dataclass(eq=False)
class PayloadTooLarge(DomainError):
    status: int = 413
    title: str = "Payload too large"
    slug: str = "payload-too-large"


@dataclass(eq=False)
class UnsupportedMediaType(DomainError):
    status: int = 415
    title: str = "Unsupported media type"
    slug: str = "unsupported-media-type"


@dataclass(eq=False)
class TooManyRequests(DomainError):
    retry_after: int = 60
    status: int = 429
    title: str = "Too many requests"
    slug: str = "too-many-requests"

    def __post_init__(self) -> None:
        self.headers.setdefault("Retry-After", str(max(1, self.retry_after)))
        super().__post_init__()


@dataclass(eq=False)
class ServiceUnavailable(DomainError):
    status: int = 503
    title: str = "Service unavailable"
    slug: str = "service-unavailable"


def require_ordered(low: Any, high: Any, *, low_name: str, high_name: str, where: str) -> None:
    """Refuse a range whose upper bound is below its lower one, naming the upper field."""
    if low is not None and high is not None and low > high:
        raise ValidationFailed(
            f"{high_name} is below {low_name}.",
            errors=[FieldProblem(f"{where}.{high_name}", f"must be at least {low_name}", "range")],
        )
