"""A property's history: its changes and valuations, merged newest first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reos.core.pagination import PageParams
from reos.core.time import as_utc
from reos.models import PropertyHistory, PropertyValuation
from reos.properties.crud import get_property


@dataclass(frozen=True)
class HistoryEntry:
    kind: Literal["change", "valuation"]
    at: datetime
    change: PropertyHistory | None = None
    valuation: PropertyValuation | None = None


def property_history(
    session: Session, *, property_id: uuid.UUID, page: PageParams
) -> tuple[list[HistoryEntry], int]:
    """Changes and valuations of a property, newest first.

    The page of the merged stream is within the first offset + page_size of each stream, so
    each is read only that far, in the same order the merge uses.
    """
    prop = get_property(session, property_id=property_id)
    depth = page.offset + page.page_size
    changes = session.scalars(
        select(PropertyHistory)
        .where(PropertyHistory.property_id == prop.id)
        .order_by(PropertyHistory.changed_at.desc(), PropertyHistory.id.desc())
        .limit(depth)
    )
    valuations = session.scalars(
        select(PropertyValuation)
        .where(PropertyValuation.property_id == prop.id)
        .order_by(PropertyValuation.valued_at.desc(), PropertyValuation.id.desc())
        .limit(depth)
    )
    entries = [HistoryEntry("change", as_utc(c.changed_at), change=c) for c in changes]
    entries += [HistoryEntry("valuation", as_utc(v.valued_at), valuation=v) for v in valuations]
    # At the same instant a valuation is listed before the history row it caused.
    entries.sort(
        key=lambda e: (e.at, e.kind == "valuation", (e.change or e.valuation).id),  # type: ignore[union-attr]
        reverse=True,
    )
    total = sum(
        session.scalar(select(func.count()).select_from(model).where(model.property_id == prop.id))
        or 0
        for model in (PropertyHistory, PropertyValuation)
    )
    return entries[page.offset : depth], total
