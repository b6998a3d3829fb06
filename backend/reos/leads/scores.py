"""Scoring leads: a score with its explanation, kept, and the history of scores."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from reos import events
from reos.core.pagination import PageParams
from reos.events.catalog import LeadScored
from reos.events.subscribers import LEAD_STATUS_CHANGE as STATUS_CHANGE
from reos.leads.queries import get_lead
from reos.leads.scoring import LeadSnapshot, score_lead
from reos.models import Lead, LeadActivity, LeadScore, LeadSource

# --- scoring ------------------------------------------------------------------------------------


def _snapshot(session: Session, lead: Lead, now: datetime) -> LeadSnapshot:
    recent_cutoff, window_cutoff = now - timedelta(days=30), now - timedelta(days=90)
    counts = session.execute(
        select(
            LeadActivity.activity_type,
            func.sum(case((LeadActivity.occurred_at >= recent_cutoff, 1), else_=0)),
            func.count(),
        )
        .where(
            LeadActivity.lead_id == lead.id,
            LeadActivity.activity_type != STATUS_CHANGE,
            LeadActivity.occurred_at >= window_cutoff,
        )
        .group_by(LeadActivity.activity_type)
    ).all()
    quality = None
    if lead.source_id is not None:
        quality = session.scalar(
            select(LeadSource.quality_weight).where(LeadSource.id == lead.source_id)
        )
    return LeadSnapshot(
        status=lead.status,
        has_email=bool(lead.email),
        has_phone=bool(lead.phone),
        has_property=lead.property_id is not None,
        budget_min=lead.budget_min,
        budget_max=lead.budget_max,
        source_quality=Decimal(quality) if quality is not None else None,
        activities_30d={kind: int(recent or 0) for kind, recent, _ in counts},
        activities_90d={kind: int(total) for kind, _, total in counts},
        last_contacted_at=lead.last_contacted_at,
    )


def score(
    session: Session,
    *,
    lead_id: uuid.UUID,
    now: datetime | None = None,
    actor_user_id: uuid.UUID | None = None,
) -> LeadScore:
    """Score a lead now, keep the result with its explanation, and make it the current score."""
    lead = get_lead(session, lead_id=lead_id)
    now = now or datetime.now(UTC)
    result = score_lead(_snapshot(session, lead, now), now=now)
    row = LeadScore(
        lead_id=lead.id,
        score=result.score,
        reason_codes=list(result.reason_codes),
        factors=result.factors_dict(),
        model_version=result.model_version,
        scored_at=now,
    )
    session.add(row)
    lead.current_score = result.score
    session.flush()
    scored = LeadScored(
        lead_id=lead.id,
        score_id=row.id,
        score=row.score,
        model_version=row.model_version,
        actor_user_id=actor_user_id,
    )
    events.record(session, scored)
    return row


def list_scores(
    session: Session, *, lead_id: uuid.UUID, page: PageParams
) -> tuple[list[LeadScore], int]:
    lead = get_lead(session, lead_id=lead_id)
    total = (
        session.scalar(
            select(func.count()).select_from(LeadScore).where(LeadScore.lead_id == lead.id)
        )
        or 0
    )
    rows = session.scalars(
        select(LeadScore)
        .where(LeadScore.lead_id == lead.id)
        .order_by(LeadScore.scored_at.desc(), LeadScore.id)
        .offset(page.offset)
        .limit(page.page_size)
    ).all()
    return list(rows), total
