"""HTTP endpoints of /api/v1/storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile, status
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel

from reos.api.deps import (
    Principal,
    ProvidersDep,
    bearer,
    container_of,
    current_principal,
    require,
)
from reos.api.idempotency import IdempotencyKeyDep
from reos.api.responses import READ_ERRORS, WRITE_ERRORS, errors
from reos.core.errors import Forbidden
from reos.core.object_keys import organization_key
from reos.core.security.rbac import Permission
from reos.storage import service

router = APIRouter(prefix="/storage", tags=["storage"])

CanRead = Annotated[Principal, Depends(require(Permission.STORAGE_READ))]
CanWrite = Annotated[Principal, Depends(require(Permission.STORAGE_WRITE))]


class StoredFileOut(BaseModel):
    key: str
    content_type: str
    size: int
    url: str


class PresignedUrlOut(BaseModel):
    url: str
    expires_at: datetime


@router.post(
    "/upload",
    status_code=status.HTTP_201_CREATED,
    response_model=StoredFileOut,
    responses=errors(401, 403, 409, 413, 422, 429),
)
async def upload(
    request: Request,
    principal: CanWrite,
    providers: ProvidersDep,
    _key: IdempotencyKeyDep,
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP, GIF, PDF, CSV or text")],
) -> StoredFileOut:
    """Upload a file; its type is sniffed from its bytes, not taken from the request."""
    limit = container_of(request).settings.storage_max_upload_bytes
    data = await file.read(limit + 1)
    stored = service.upload(
        providers.storage,
        organization_id=principal.organization_id,
        filename=file.filename,
        declared_type=file.content_type,
        data=data,
        max_bytes=limit,
    )
    url = service.presigned_url(
        providers.storage, organization_id=principal.organization_id, key=stored.key, expires_in=900
    )
    return StoredFileOut(
        key=stored.key, content_type=stored.content_type, size=stored.size, url=url
    )


@router.get("/presigned-url", response_model=PresignedUrlOut, responses=READ_ERRORS)
def presigned_url(
    principal: CanRead,
    providers: ProvidersDep,
    key: Annotated[str, Query(min_length=1, max_length=900)],
    expires_in: Annotated[int, Query(ge=1, le=7 * 24 * 3600, description="Seconds")] = 900,
) -> PresignedUrlOut:
    """A link to a file that works without a token until it expires."""
    url = service.presigned_url(
        providers.storage, organization_id=principal.organization_id, key=key, expires_in=expires_in
    )
    return PresignedUrlOut(url=url, expires_at=datetime.now(UTC) + timedelta(seconds=expires_in))


async def readable_key(
    key: str,
    request: Request,
    providers: ProvidersDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    expires: Annotated[str | None, Query(description="From a presigned URL")] = None,
    signature: Annotated[str | None, Query(description="From a presigned URL")] = None,
) -> str:
    """The store key a request may read: by a valid presigned link, or by a signed-in user of
    the organization that owns it."""
    if expires is not None or signature is not None:
        if not providers.verify_presigned(key, expires or "", signature or ""):
            raise Forbidden("The link is invalid or has expired.")
        return key
    principal = await current_principal(request, credentials)
    if not principal.can(Permission.STORAGE_READ):
        raise Forbidden(f"Your role ({principal.role}) lacks the 'storage:read' permission.")
    return organization_key(principal.organization_id, key)


readable_key.permission = Permission.STORAGE_READ  # type: ignore[attr-defined]


@router.get(
    "/{key:path}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, **READ_ERRORS},
)
def download(
    key: str, full_key: Annotated[str, Depends(readable_key)], providers: ProvidersDep
) -> Response:
    """Download a file (with a bearer token, or through a presigned URL)."""
    stored = service.fetch(providers.storage, full_key=full_key, key=key)
    filename = key.rsplit("/", 1)[-1]
    return Response(
        stored.data,
        media_type=stored.content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.delete("/{key:path}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE_ERRORS)
def delete(key: str, principal: CanWrite, providers: ProvidersDep) -> Response:
    """Delete a file of your organization."""
    service.delete(providers.storage, organization_id=principal.organization_id, key=key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
