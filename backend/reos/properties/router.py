"""HTTP endpoints of /api/v1/properties."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile, status
from starlette.concurrency import run_in_threadpool

from reos.api.deps import Principal, ProvidersDep, SessionDep, container_of, require
from reos.api.idempotency import IdempotencyKeyDep
from reos.api.imports import accept_csv
from reos.api.responses import READ_ERRORS, WRITE_ERRORS, JSONBytes, ProblemOut, errors
from reos.core.cache import OrganizationCache
from reos.core.pagination import Page, PageParams, page_params
from reos.core.security.rbac import Permission
from reos.imports.jobs import upload_check
from reos.jobs import TaskAccepted, accepted
from reos.properties import crud, gallery, history, queries, valuation_requests
from reos.properties.cache import property_cache
from reos.properties.importing import PROPERTY_IMPORT
from reos.properties.jobs import IMPORT_PROPERTIES
from reos.properties.schemas import (
    ChangeOut,
    HistoryItemOut,
    PropertyImageOut,
    PropertyIn,
    PropertyListQuery,
    PropertyOut,
    ValuationOut,
)

router = APIRouter(prefix="/properties", tags=["properties"])

CanRead = Annotated[Principal, Depends(require(Permission.PROPERTIES_READ))]
CanWrite = Annotated[Principal, Depends(require(Permission.PROPERTIES_WRITE))]
CacheDep = Annotated[OrganizationCache, Depends(property_cache)]
PageDep = Annotated[PageParams, Depends(page_params)]
PAGING = {"page", "page_size", "sort"}  # the list query's fields that are not filters


@router.get("", response_model=Page[PropertyOut], responses=errors(401, 403, 422, 429))
async def list_properties(
    principal: CanRead,
    session: SessionDep,
    cache: CacheDep,
    query: Annotated[PropertyListQuery, Query()],
) -> Response:
    """Your organization's properties (archived ones are hidden), filtered and sorted."""
    queries.parse_sort(query.sort)  # a bad sort is a 422 even when a page is cached
    filters = queries.PropertyFilters(**query.model_dump(exclude=PAGING))
    page = query.page_params

    def compute() -> Page[PropertyOut]:
        rows, total = queries.list_properties(session, filters=filters, sort=query.sort, page=page)
        return Page[PropertyOut].of(rows, total, page)

    answer = await cache.answer_async(
        principal.organization_id, "list", query.model_dump(), compute
    )
    return JSONBytes(answer)


# Declared before /{property_id} so "search" is never read as an id.
@router.get("/search", response_model=Page[PropertyOut], responses=errors(401, 403, 422, 429))
def search_properties(
    principal: CanRead,
    session: SessionDep,
    page: PageDep,
    q: Annotated[str, Query(min_length=1, max_length=200, pattern=r"\S")],
) -> Page[PropertyOut]:
    """Case-insensitive search in address, city, ZIP code, description and owner name."""
    rows, total = queries.search_properties(session, q=q, page=page)
    return Page[PropertyOut].of(rows, total, page)


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=PropertyOut, responses=WRITE_ERRORS
)
def create_property(
    body: PropertyIn,
    principal: CanWrite,
    session: SessionDep,
    _key: IdempotencyKeyDep,
) -> PropertyOut:
    """Add a property; one with the same address or APN (even archived) is a 409 naming it."""
    prop = crud.create_property(session, data=body, actor_user_id=principal.user_id)
    return PropertyOut.model_validate(prop)


@router.get("/{property_id}", response_model=PropertyOut, responses=READ_ERRORS)
async def get_property(
    property_id: uuid.UUID, principal: CanRead, session: SessionDep, cache: CacheDep
) -> Response:
    """One property of your organization."""

    def compute() -> PropertyOut:
        return PropertyOut.model_validate(crud.get_property(session, property_id=property_id))

    query = {"id": str(property_id)}
    return JSONBytes(await cache.answer_async(principal.organization_id, "detail", query, compute))


@router.put("/{property_id}", response_model=PropertyOut, responses=WRITE_ERRORS)
def replace_property(
    property_id: uuid.UUID,
    body: PropertyIn,
    principal: CanWrite,
    session: SessionDep,
) -> PropertyOut:
    """Replace every field of a property; each changed field is recorded in its history."""
    prop = crud.replace_property(
        session, property_id=property_id, data=body, actor_user_id=principal.user_id
    )
    return PropertyOut.model_validate(prop)


@router.delete("/{property_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE_ERRORS)
def archive_property(property_id: uuid.UUID, principal: CanWrite, session: SessionDep) -> Response:
    """Archive a property: hidden from then on, kept with its history."""
    crud.archive_property(session, property_id=property_id, actor_user_id=principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{property_id}/images",
    status_code=status.HTTP_201_CREATED,
    response_model=PropertyImageOut,
    responses={
        **errors(401, 403, 404, 409, 413, 422, 429),
        415: {"description": "Not a JPEG, PNG or WebP image", "model": ProblemOut},
    },
)
async def add_image(
    request: Request,
    property_id: uuid.UUID,
    principal: CanWrite,
    session: SessionDep,
    providers: ProvidersDep,
    _key: IdempotencyKeyDep,
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP")],
) -> PropertyImageOut:
    """Add an image; its type and pixel size are read from its bytes."""
    limit = container_of(request).settings.storage_max_upload_bytes
    data = await file.read(limit + 1)
    image = await run_in_threadpool(
        lambda: gallery.add_image(
            session,
            storage=providers.storage,
            property_id=property_id,
            filename=file.filename,
            data=data,
            max_bytes=limit,
            actor_user_id=principal.user_id,
        )
    )
    return PropertyImageOut.model_validate(image)


@router.post(
    "/{property_id}/valuations",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TaskAccepted,
    responses=errors(401, 403, 404, 422, 429),
)
def value_property(
    property_id: uuid.UUID, principal: CanWrite, session: SessionDep
) -> TaskAccepted:
    """Value the property from comparables (yours and the data provider's) in the background;
    the task's result is the valuation, which also appears in the property's history."""
    run = valuation_requests.request_valuation(
        session, property_id=property_id, actor_user_id=principal.user_id
    )
    return accepted(run)


@router.post(
    "/bulk-import",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TaskAccepted,
    responses=errors(401, 403, 409, 413, 422, 429),
)
async def bulk_import(
    request: Request,
    principal: CanWrite,
    _key: IdempotencyKeyDep,
    file: Annotated[UploadFile, File(description="CSV with the columns of POST /properties")],
) -> TaskAccepted:
    """Import properties from a CSV in the background; the task's result lists `created`,
    `duplicates` and `errors` with the file's own row numbers (the header is row 1)."""
    return await accept_csv(
        request,
        IMPORT_PROPERTIES,
        file,
        check=upload_check(PROPERTY_IMPORT),
        organization_id=principal.organization_id,
        user_id=principal.user_id,
    )


@router.get(
    "/{property_id}/history",
    response_model=Page[HistoryItemOut],
    responses=errors(401, 403, 404, 422, 429),
)
def property_history(
    property_id: uuid.UUID, principal: CanRead, session: SessionDep, page: PageDep
) -> Page[HistoryItemOut]:
    """Changes and valuations of a property, newest first."""
    entries, total = history.property_history(session, property_id=property_id, page=page)
    items = [
        HistoryItemOut(
            kind=e.kind,
            at=e.at,
            change=ChangeOut.model_validate(e.change) if e.change else None,
            valuation=ValuationOut.model_validate(e.valuation) if e.valuation else None,
        )
        for e in entries
    ]
    return Page[HistoryItemOut].of(items, total, page)
