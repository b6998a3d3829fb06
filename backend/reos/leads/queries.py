"""Reading leads: one lead, and filtered, sorted pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from reos.core.errors import NotFound
from reos.core.pagination import PageParams, paginate
from reos.leads.schemas import LeadSort
from reos.models import Lead


def get_lead(session: Session, *, lead_id: uuid.UUID) -> Lead:
    """A live lead of the session's organization; archived or foreign ones are a 404."""
    lead = session.scalars(select(Lead).where(Lead.id == lead_id)).first()
    if lead is None:
        raise NotFound(f"Lead {lead_id} not found.")
    return lead


@dataclass(frozen=True)
class LeadFilters:
    status: str | None = None
    source: str | None = None
    assigned_to: uuid.UUID | None = None
    min_score: int | None = None
    q: str | None = None


def _filter_conditions(filters: LeadFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.status is not None:
        conditions.append(Lead.status == filters.status)
    if filters.source is not None:
        conditions.append(func.lower(Lead.source) == filters.source.strip().lower())
    if filters.assigned_to is not None:
        conditions.append(Lead.assigned_to_id == filters.assigned_to)
    if filters.min_score is not None:
        conditions.append(Lead.current_score >= filters.min_score)
    needle = (filters.q or "").strip().lower()
    if needle:
        matches = [
            func.lower(column).contains(needle, autoescape=True)
            for column in (Lead.first_name, Lead.last_name, Lead.email, Lead.phone)
        ]
        # Phones are stored as E.164, so "(415) 555" should still find +14155550100.
        digits = "".join(ch for ch in needle if ch.isdigit())
        if len(digits) >= 3 and digits != needle:
            matches.append(Lead.phone.contains(digits, autoescape=True))
        conditions.append(or_(*matches))
    return conditions


def _order_by(sort: LeadSort) -> list[Any]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    column: Any = {
        "created_at": Lead.created_at,
        "last_name": func.lower(Lead.last_name),
        "current_score": Lead.current_score,
    }[key]
    # Unscored leads go last either way; the id keeps pages stable when values tie.
    primary = column.desc().nulls_last() if descending else column.asc().nulls_last()
    return [primary, Lead.id.desc() if descending else Lead.id.asc()]


def list_leads(
    session: Session, *, filters: LeadFilters, sort: LeadSort, page: PageParams
) -> tuple[list[Lead], int]:
    statement = select(Lead).where(*_filter_conditions(filters)).order_by(*_order_by(sort))
    return paginate(session, statement, page)
