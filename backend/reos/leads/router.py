"""HTTP endpoints of /api/v1/leads."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile, status

from reos.api.deps import Principal, SessionDep, require
from reos.api.idempotency import IdempotencyKeyDep
from reos.api.imports import accept_csv
from reos.api.responses import READ_ERRORS, WRITE_ERRORS, errors
from reos.core.pagination import Page, PageParams, page_params
from reos.core.security.rbac import Permission
from reos.imports.jobs import upload_check
from reos.jobs import TaskAccepted
from reos.leads import crud, queries, scores
from reos.leads import timeline as lead_timeline
from reos.leads.importing import LEAD_IMPORT
from reos.leads.jobs import IMPORT_LEADS
from reos.leads.schemas import (
    ActivityIn,
    ActivityOut,
    LeadIn,
    LeadListQuery,
    LeadOut,
    LeadUpdateIn,
    NoteIn,
    NoteOut,
    ScoreOut,
    TimelineItemOut,
)

router = APIRouter(prefix="/leads", tags=["leads"])

CanRead = Annotated[Principal, Depends(require(Permission.LEADS_READ))]
CanWrite = Annotated[Principal, Depends(require(Permission.LEADS_WRITE))]
Paging = Annotated[PageParams, Depends(page_params)]
CREATED = status.HTTP_201_CREATED
PAGING = {"page", "page_size", "sort"}  # the list query's fields that are not filters


@router.get("", response_model=Page[LeadOut], responses=errors(401, 403, 422, 429))
def list_leads(
    principal: CanRead, session: SessionDep, query: Annotated[LeadListQuery, Query()]
) -> Page[LeadOut]:
    """Your organization's live leads, filtered and sorted."""
    filters = queries.LeadFilters(**query.model_dump(exclude=PAGING))
    page = query.page_params
    leads, total = queries.list_leads(session, filters=filters, sort=query.sort, page=page)
    return Page[LeadOut].of(leads, total, page)


@router.post("", response_model=LeadOut, status_code=CREATED, responses=WRITE_ERRORS)
def create_lead(
    body: LeadIn, principal: CanWrite, session: SessionDep, _key: IdempotencyKeyDep
) -> LeadOut:
    """Add a lead; an email or phone another lead already has is a 409 naming that lead."""
    lead = crud.create_lead(session, actor_user_id=principal.user_id, data=body)
    return LeadOut.model_validate(lead)


@router.post(
    "/import",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TaskAccepted,
    responses=errors(401, 403, 409, 413, 422, 429),
)
async def import_leads(
    request: Request,
    principal: CanWrite,
    _key: IdempotencyKeyDep,
    file: Annotated[UploadFile, File(description="CSV with the columns of POST /leads")],
) -> TaskAccepted:
    """Import leads from a CSV in the background; the task's result lists `created`,
    `duplicates` and `errors` with the file's own row numbers (the header is row 1)."""
    return await accept_csv(
        request,
        IMPORT_LEADS,
        file,
        check=upload_check(LEAD_IMPORT),
        organization_id=principal.organization_id,
        user_id=principal.user_id,
    )


@router.get("/{lead_id}", response_model=LeadOut, responses=READ_ERRORS)
def get_lead(lead_id: uuid.UUID, principal: CanRead, session: SessionDep) -> LeadOut:
    """One lead of your organization."""
    return LeadOut.model_validate(queries.get_lead(session, lead_id=lead_id))


@router.put("/{lead_id}", response_model=LeadOut, responses=WRITE_ERRORS)
def update_lead(
    lead_id: uuid.UUID, body: LeadUpdateIn, principal: CanWrite, session: SessionDep
) -> LeadOut:
    """Change the fields sent; the lead they make is validated and deduplicated as a whole."""
    lead = crud.update_lead(
        session,
        actor_user_id=principal.user_id,
        lead_id=lead_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return LeadOut.model_validate(lead)


@router.delete("/{lead_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE_ERRORS)
def archive_lead(lead_id: uuid.UUID, principal: CanWrite, session: SessionDep) -> Response:
    """Archive a lead (soft delete); its email and phone stay taken."""
    crud.archive_lead(session, actor_user_id=principal.user_id, lead_id=lead_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{lead_id}/activities", response_model=ActivityOut, status_code=CREATED, responses=WRITE_ERRORS
)
def add_activity(
    lead_id: uuid.UUID,
    body: ActivityIn,
    principal: CanWrite,
    session: SessionDep,
    _key: IdempotencyKeyDep,
) -> ActivityOut:
    """Log a call, email, SMS, meeting, showing or note; contacts move `last_contacted_at`."""
    activity = lead_timeline.add_activity(
        session,
        actor_user_id=principal.user_id,
        lead_id=lead_id,
        activity_type=body.activity_type,
        summary=body.summary,
        occurred_at=body.occurred_at,
    )
    return ActivityOut.model_validate(activity)


@router.post(
    "/{lead_id}/notes", response_model=NoteOut, status_code=CREATED, responses=WRITE_ERRORS
)
def add_note(
    lead_id: uuid.UUID,
    body: NoteIn,
    principal: CanWrite,
    session: SessionDep,
    _key: IdempotencyKeyDep,
) -> NoteOut:
    """Add an internal note to a lead."""
    note = lead_timeline.add_note(
        session, actor_user_id=principal.user_id, lead_id=lead_id, body=body.body
    )
    return NoteOut.model_validate(note)


@router.get("/{lead_id}/timeline", response_model=Page[TimelineItemOut], responses=READ_ERRORS)
def timeline(
    lead_id: uuid.UUID, principal: CanRead, session: SessionDep, page: Paging
) -> Page[TimelineItemOut]:
    """Activities, notes, scores and status changes, newest first."""
    items, total = lead_timeline.timeline(session, lead_id=lead_id, page=page)
    return Page[TimelineItemOut].of(items, total, page)


@router.post(
    "/{lead_id}/score", response_model=ScoreOut, status_code=CREATED, responses=WRITE_ERRORS
)
def score_lead(lead_id: uuid.UUID, principal: CanWrite, session: SessionDep) -> ScoreOut:
    """Score the lead now (0 to 100) and explain it: points per factor and reason codes."""
    return ScoreOut.model_validate(
        scores.score(session, lead_id=lead_id, actor_user_id=principal.user_id)
    )


@router.get("/{lead_id}/scores", response_model=Page[ScoreOut], responses=READ_ERRORS)
def list_scores(
    lead_id: uuid.UUID, principal: CanRead, session: SessionDep, page: Paging
) -> Page[ScoreOut]:
    """Every score the lead was given, newest first."""
    rows, total = scores.list_scores(session, lead_id=lead_id, page=page)
    return Page[ScoreOut].of(rows, total, page)
