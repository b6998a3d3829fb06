"""`Idempotency-Key` for writes that create or send.

The key is claimed by inserting its row in the request's own transaction, and the response is
stored by a hook of the same unit of work, so the write, the claim and the stored response
commit together or not at all. A unique constraint makes concurrent duplicates create one row;
an in-flight marker turns a duplicate that arrives while the first is running into a quick 409.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from reos.api.deps import CurrentPrincipal, Principal, SessionDep, container_of
from reos.core.errors import BadRequest, Conflict, DomainError, FieldProblem, ValidationFailed
from reos.core.http.unit_of_work import BufferedResponse, ResponseHook, unit_of_work
from reos.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r'^"?([\x21\x23-\x7e]{1,255})"?$')
STORED_HEADERS = (b"content-type", b"location")
IN_FLIGHT_TTL_SECONDS = 120


@dataclass(eq=False)
class IdempotentReplay(DomainError):
    """Not an error: the stored response of the first request with this key."""

    stored_status: int = 200
    stored_body: bytes = b""
    stored_headers: dict[str, str] = field(default_factory=dict)


def parse_key(raw: str) -> str:
    match = KEY_PATTERN.match(raw.strip())
    if not match:
        raise BadRequest(
            "Idempotency-Key must be 1 to 255 visible ASCII characters, bare or quoted.",
            errors=[FieldProblem(f"header.{HEADER}", "malformed idempotency key")],
        )
    return match.group(1)


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b"\n" + path.encode() + b"\n" + body).hexdigest()


def _claim(
    session: Session,
    principal: Principal,
    method: str,
    path: str,
    key: str,
    fingerprint: str,
    ttl: timedelta,
) -> IdempotencyKey:
    now = datetime.now(UTC)
    existing = session.scalars(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == principal.user_id,
            IdempotencyKey.method == method,
            IdempotencyKey.path == path,
            IdempotencyKey.key == key,
        )
    ).first()
    if existing is not None:
        expires = existing.expires_at
        expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
        if expires > now:
            if existing.request_hash != fingerprint:
                raise ValidationFailed(
                    "This Idempotency-Key was used with a different request body.",
                    errors=[FieldProblem(f"header.{HEADER}", "reused with another body")],
                )
            raise IdempotentReplay(
                stored_status=existing.status_code or 200,
                stored_body=existing.response_body or b"",
                stored_headers=existing.response_headers or {},
            )
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == existing.id))
    record = IdempotencyKey(
        user_id=principal.user_id,
        method=method,
        path=path,
        key=key,
        request_hash=fingerprint,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(record)
    session.flush()
    return record


def _store_response(record: IdempotencyKey) -> ResponseHook:
    def hook(session: Session, response: BufferedResponse) -> None:
        record.status_code = response.status
        record.response_body = response.body
        record.response_headers = {
            k.decode(): v.decode() for k, v in response.headers if k.lower() in STORED_HEADERS
        }
        record.completed_at = datetime.now(UTC)
        session.flush()

    return hook


async def idempotency_key(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    key_header: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="Makes a retried request safe: same key and body replay the first "
            "response; the key is kept 24 hours.",
        ),
    ] = None,
) -> str | None:
    """Honour an optional Idempotency-Key on this route."""
    if key_header is None:
        return None
    key = parse_key(key_header)
    method, path = request.method, request.url.path
    fingerprint = request_fingerprint(method, path, await request.body())
    registry = container_of(request).inflight
    marker = f"{principal.organization_id}:{principal.user_id}:{method}:{path}:{key}"
    if not registry.acquire(marker, IN_FLIGHT_TTL_SECONDS):
        raise Conflict("A request with this Idempotency-Key is still being processed.")
    uow = unit_of_work(request.scope)
    uow.after_close.append(lambda: registry.release(marker))
    ttl = timedelta(hours=container_of(request).settings.idempotency_ttl_hours)
    record = await run_in_threadpool(
        _claim, session, principal, method, path, key, fingerprint, ttl
    )
    uow.response_hooks.append(_store_response(record))
    return key


IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]
