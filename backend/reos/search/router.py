"""HTTP endpoints of /api/v1/search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator

from reos.api.deps import Principal, SessionDep, require
from reos.api.responses import errors
from reos.core.pagination import Page
from reos.core.security.rbac import Permission
from reos.search import service
from reos.search.schemas import (
    MAX_SUGGESTION_QUERY_LENGTH,
    CampaignHit,
    CampaignSearchIn,
    LeadHit,
    LeadSearchIn,
    PropertyHit,
    PropertySearchIn,
    SuggestionsOut,
    storable_text,
)

router = APIRouter(prefix="/search", tags=["search"])

CanReadProperties = Annotated[Principal, Depends(require(Permission.PROPERTIES_READ))]
CanReadLeads = Annotated[Principal, Depends(require(Permission.LEADS_READ))]
CanReadCampaigns = Annotated[Principal, Depends(require(Permission.CAMPAIGNS_READ))]
SEARCH_ERRORS = errors(400, 401, 403, 422, 429)


@router.post("/properties", response_model=Page[PropertyHit], responses=SEARCH_ERRORS)
def search_properties(
    body: PropertySearchIn, principal: CanReadProperties, session: SessionDep
) -> Page[PropertyHit]:
    """Your organization's live properties matching a text (address, city, description), the
    filters of the property list and a radius around a point; best matches first with q."""
    hits, total = service.search_properties(session, criteria=body)
    return Page[PropertyHit].of(hits, total, body)


@router.post("/leads", response_model=Page[LeadHit], responses=SEARCH_ERRORS)
def search_leads(body: LeadSearchIn, principal: CanReadLeads, session: SessionDep) -> Page[LeadHit]:
    """Your organization's live leads matching a text (name, email, phone, notes) and filters."""
    hits, total = service.search_leads(session, criteria=body)
    return Page[LeadHit].of(hits, total, body)


@router.post("/campaigns", response_model=Page[CampaignHit], responses=SEARCH_ERRORS)
def search_campaigns(
    body: CampaignSearchIn, principal: CanReadCampaigns, session: SessionDep
) -> Page[CampaignHit]:
    """Your organization's campaigns matching a text (the name), a status and a channel."""
    hits, total = service.search_campaigns(session, criteria=body)
    return Page[CampaignHit].of(hits, total, body)


@router.get("/suggestions", response_model=SuggestionsOut, responses=errors(401, 403, 422, 429))
def suggestions(
    principal: CanReadProperties,
    session: SessionDep,
    q: Annotated[
        str,
        Query(min_length=1, max_length=MAX_SUGGESTION_QUERY_LENGTH, description="What was typed"),
        AfterValidator(storable_text),
    ],
    limit: Annotated[int, Query(ge=1, le=20)] = 10,
) -> SuggestionsOut:
    """Autocomplete: cities, property addresses and lead names (when your role may read leads)
    for what was typed so far; what starts with it comes first. Cheap enough per keystroke."""
    items = service.suggestions(
        session, q=q, limit=limit, include_leads=principal.can(Permission.LEADS_READ)
    )
    return SuggestionsOut(items=items)
