"""A lead's timeline: activities, notes, scores and status changes, newest first."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, case, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from reos import events
from reos.core.pagination import PageParams
from reos.core.time import as_utc
from reos.events.catalog import LeadActivityAdded, LeadNoteAdded
from reos.events.subscribers import LEAD_STATUS_CHANGE as STATUS_CHANGE
from reos.leads.crud import _jsonable
from reos.leads.queries import get_lead
from reos.leads.schemas import TimelineItemOut
from reos.models import LeadActivity, LeadNote, LeadScore

# Activities that reach the lead; a note is internal and does not count as contact.
CONTACT_TYPES = frozenset({"call", "email", "sms", "meeting", "showing"})


# --- activities and notes -----------------------------------------------------------------------


def add_activity(
    session: Session,
    *,
    actor_user_id: uuid.UUID,
    lead_id: uuid.UUID,
    activity_type: str,
    summary: str,
    occurred_at: datetime | None = None,
) -> LeadActivity:
    lead = get_lead(session, lead_id=lead_id)
    when = as_utc(occurred_at) if occurred_at is not None else datetime.now(UTC)
    activity = LeadActivity(
        lead_id=lead.id,
        activity_type=activity_type,
        summary=summary,
        occurred_at=when,
        actor_user_id=actor_user_id,
    )
    session.add(activity)
    # A back-dated activity must not move the last contact backwards.
    if activity_type in CONTACT_TYPES and (
        lead.last_contacted_at is None or as_utc(lead.last_contacted_at) < when
    ):
        lead.last_contacted_at = when
    session.flush()
    added = LeadActivityAdded(
        lead_id=lead.id,
        activity_id=activity.id,
        activity_type=activity_type,
        occurred_at=when,
        actor_user_id=actor_user_id,
    )
    events.record(session, added)
    return activity


def add_note(
    session: Session, *, actor_user_id: uuid.UUID, lead_id: uuid.UUID, body: str
) -> LeadNote:
    lead = get_lead(session, lead_id=lead_id)
    note = LeadNote(lead_id=lead.id, body=body, author_user_id=actor_user_id)
    session.add(note)
    session.flush()
    added = LeadNoteAdded(lead_id=lead.id, note_id=note.id, actor_user_id=actor_user_id)
    events.record(session, added)
    return note


# --- timeline -----------------------------------------------------------------------------------


def _label(text: str) -> Any:
    # Inline SQL literals, not bind parameters: PostgreSQL cannot type a bare parameter in a UNION.
    return literal_column(f"'{text}'", String)


def timeline(
    session: Session, *, lead_id: uuid.UUID, page: PageParams
) -> tuple[list[TimelineItemOut], int]:
    """Activities, notes, scores and status changes of a lead, newest first."""
    lead = get_lead(session, lead_id=lead_id)
    kind = case(
        (LeadActivity.activity_type == STATUS_CHANGE, _label("status_change")),
        else_=_label("activity"),
    )
    entries = union_all(
        select(
            kind.label("kind"), LeadActivity.id.label("id"), LeadActivity.occurred_at.label("at")
        ).where(LeadActivity.lead_id == lead.id),
        select(_label("note"), LeadNote.id, LeadNote.created_at).where(LeadNote.lead_id == lead.id),
        select(_label("score"), LeadScore.id, LeadScore.scored_at).where(
            LeadScore.lead_id == lead.id
        ),
    ).subquery()
    total = session.scalar(select(func.count()).select_from(entries)) or 0
    rows = session.execute(
        select(entries.c.kind, entries.c.id)
        .order_by(entries.c.at.desc(), entries.c.kind, entries.c.id)
        .offset(page.offset)
        .limit(page.page_size)
    ).all()
    wanted: dict[type[Any], list[uuid.UUID]] = defaultdict(list)
    for row in rows:
        wanted[{"note": LeadNote, "score": LeadScore}.get(row.kind, LeadActivity)].append(row.id)
    loaded: dict[uuid.UUID, Any] = {}
    for model, ids in wanted.items():
        loaded.update({o.id: o for o in session.scalars(select(model).where(model.id.in_(ids)))})
    return [_timeline_item(row.kind, loaded[row.id]) for row in rows], total


def _timeline_item(kind: str, entry: Any) -> TimelineItemOut:
    if isinstance(entry, LeadActivity) and kind == "status_change":
        previous, _, current = entry.summary.partition(" → ")
        data = {"id": str(entry.id), "from": previous, "to": current}
        data["actor_user_id"] = _jsonable(entry.actor_user_id)
        return TimelineItemOut(
            type="status_change", at=entry.occurred_at, summary=entry.summary, data=data
        )
    if isinstance(entry, LeadActivity):
        data = {
            "id": str(entry.id),
            "activity_type": entry.activity_type,
            "actor_user_id": _jsonable(entry.actor_user_id),
        }
        return TimelineItemOut(
            type="activity", at=entry.occurred_at, summary=entry.summary, data=data
        )
    if isinstance(entry, LeadNote):
        data = {"id": str(entry.id), "author_user_id": _jsonable(entry.author_user_id)}
        return TimelineItemOut(type="note", at=entry.created_at, summary=entry.body, data=data)
    assert isinstance(entry, LeadScore)
    return TimelineItemOut(
        type="score",
        at=entry.scored_at,
        summary=f"Scored {entry.score} ({entry.model_version})",
        data={
            "id": str(entry.id),
            "score": entry.score,
            "reason_codes": entry.reason_codes,
            "factors": entry.factors,
            "model_version": entry.model_version,
        },
    )
