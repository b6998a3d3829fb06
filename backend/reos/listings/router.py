"""HTTP endpoints of /api/v1/listings.

Writes need `properties:write`. Reads are the public read model: no token, active listings
only, public fields only; anonymous callers are rate-limited per client IP by the app's limiter.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status

from reos.api.deps import Principal, SessionDep, require
from reos.api.idempotency import IdempotencyKeyDep
from reos.api.responses import WRITE_ERRORS, errors
from reos.api.schemas import Money
from reos.core.pagination import Page, PageParams, page_params
from reos.core.security.rbac import Permission
from reos.listings import service
from reos.listings.schemas import (
    ListingIn,
    ListingOut,
    ListingUpdateIn,
    PublicListingOut,
    PublicPropertyOut,
)

router = APIRouter(prefix="/listings", tags=["listings"])

CanWrite = Annotated[Principal, Depends(require(Permission.PROPERTIES_WRITE))]


def _public(row: dict[str, Any]) -> PublicListingOut:
    return PublicListingOut(
        id=row["id"],
        asking_price=row["asking_price"],
        terms=row["terms"] or {},
        public_remarks=row["public_remarks"],
        listed_at=row["listed_at"],
        property=PublicPropertyOut.model_validate(
            {name: row[name] for name in PublicPropertyOut.model_fields}
        ),
    )


@router.get("", response_model=Page[PublicListingOut], responses=errors(422, 429))
def list_public_listings(
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    city: Annotated[str | None, Query(max_length=120)] = None,
    state: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    min_price: Annotated[Money | None, Query()] = None,
    max_price: Annotated[Money | None, Query()] = None,
) -> Page[PublicListingOut]:
    """Active listings of every organization, newest first (public, no token)."""
    filters = service.PublicListingFilters(city, state, min_price, max_price)
    rows, total = service.list_public_listings(session, filters=filters, page=page)
    return Page[PublicListingOut].of([_public(r) for r in rows], total, page)


@router.get("/{listing_id}", response_model=PublicListingOut, responses=errors(404, 429))
def get_public_listing(listing_id: uuid.UUID, session: SessionDep) -> PublicListingOut:
    """One active listing (public, no token)."""
    return _public(service.get_public_listing(session, listing_id=listing_id))


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=ListingOut, responses=WRITE_ERRORS
)
def create_listing(
    body: ListingIn, principal: CanWrite, session: SessionDep, _key: IdempotencyKeyDep
) -> ListingOut:
    """List one of your properties; a property has at most one draft, active or pending
    listing."""
    listing = service.create_listing(session, data=body, actor_user_id=principal.user_id)
    return ListingOut.model_validate(listing)


@router.put("/{listing_id}", response_model=ListingOut, responses=WRITE_ERRORS)
def update_listing(
    listing_id: uuid.UUID, body: ListingUpdateIn, principal: CanWrite, session: SessionDep
) -> ListingOut:
    """Replace a listing's price, terms, status and remarks; each change is snapshotted."""
    listing = service.update_listing(
        session, listing_id=listing_id, data=body, actor_user_id=principal.user_id
    )
    return ListingOut.model_validate(listing)
