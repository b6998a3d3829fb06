"""Use cases of leads: CRUD with dedupe, activities, notes, the timeline and scoring.

Every function works in the caller's session (bound to one organization), flushes and never
commits; the request's or the task's unit of work decides.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import (
    ColumnElement,
    String,
    case,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from reos.api.imports import begin_before_savepoints
from reos.audit import service as audit
from reos.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from reos.core.pagination import PageParams
from reos.leads.schemas import LeadIn, LeadSort, TimelineItemOut
from reos.leads.scoring import LeadSnapshot, score_lead
from reos.models import Lead, LeadActivity, LeadNote, LeadScore, LeadSource, Property, User

# Activities that reach the lead; a note is internal and does not count as contact.
CONTACT_TYPES = frozenset({"call", "email", "sms", "meeting", "showing"})
STATUS_CHANGE = "status_change"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _savepoint(session: Session) -> SessionTransaction:
    """A SAVEPOINT that really nests inside the session's transaction (see
    begin_before_savepoints), undone by a later rollback as on PostgreSQL."""
    begin_before_savepoints(session)
    return session.begin_nested()


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal | uuid.UUID) else value


# --- reading ------------------------------------------------------------------------------------


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
    conditions = _filter_conditions(filters)
    total = session.scalar(select(func.count()).select_from(Lead).where(*conditions)) or 0
    leads = session.scalars(
        select(Lead)
        .where(*conditions)
        .order_by(*_order_by(sort))
        .offset(page.offset)
        .limit(page.page_size)
    ).all()
    return list(leads), total


# --- validation shared by create, update and import --------------------------------------------


def _duplicate_conflict(
    session: Session, *, email: str | None, phone: str | None, exclude: uuid.UUID | None = None
) -> Conflict | None:
    """The 409 for a lead whose email or phone another lead already has, archived ones included
    (the unique constraints include them too, and reviving beats duplicating)."""
    for field, value, column in (("email", email, Lead.email), ("phone", phone, Lead.phone)):
        if value is None:
            continue
        query = select(Lead).where(column == value).execution_options(include_archived=True)
        if exclude is not None:
            query = query.where(Lead.id != exclude)
        existing = session.scalars(query.limit(1)).first()
        if existing is not None:
            archived = existing.deleted_at is not None
            return Conflict(
                f"Lead {existing.id} already has this {field}"
                + (" (archived)." if archived else "."),
                errors=[
                    FieldProblem(
                        f"body.{field}", f"already used by lead {existing.id}", "duplicate"
                    )
                ],
                extra={"existing_lead_id": str(existing.id), "existing_lead_archived": archived},
            )
    return None


def _check_references(
    session: Session, *, assigned_to: uuid.UUID | None, property_id: uuid.UUID | None
) -> None:
    problems = []
    if assigned_to is not None:
        member = session.scalar(
            select(User.id).where(User.id == assigned_to, User.status == "active")
        )
        if member is None:
            problems.append(
                FieldProblem(
                    "body.assigned_to", "not an active member of your organization", "not_found"
                )
            )
    if property_id is not None and (
        session.scalar(select(Property.id).where(Property.id == property_id)) is None
    ):
        problems.append(
            FieldProblem("body.property_id", "no such property in your organization", "not_found")
        )
    if problems:
        raise ValidationFailed(
            "Invalid input: " + ", ".join(p.field for p in problems) + ".", errors=problems
        )


def _source_named(session: Session, name: str) -> LeadSource:
    """The organization's source of that name (any casing), created on first use."""

    def find() -> LeadSource | None:
        return session.scalars(
            select(LeadSource).where(func.lower(LeadSource.name) == name.lower())
        ).first()

    source = find()
    if source is not None:
        return source
    source = LeadSource(name=name)
    try:
        # A savepoint, so a concurrent creator of the same name costs a re-read, not the request.
        with _savepoint(session):
            session.add(source)
            session.flush()
    except IntegrityError:
        source = find()
        if source is None:
            raise
    return source


def _validation_failed(exc: ValidationError, prefix: str = "body") -> ValidationFailed:
    problems = [
        FieldProblem(
            ".".join([prefix, *(str(part) for part in error["loc"])]), error["msg"], error["type"]
        )
        for error in exc.errors()
    ]
    return ValidationFailed(
        "Invalid input: " + ", ".join(p.field for p in problems[:5]) + ".", errors=problems
    )


# --- writing leads ------------------------------------------------------------------------------


def create_lead(
    session: Session, *, actor_id: uuid.UUID | None, data: LeadIn, origin: str = "api"
) -> Lead:
    """Add a lead after checking that it duplicates none and refers only to this organization."""
    conflict = _duplicate_conflict(session, email=data.email, phone=data.phone)
    if conflict is not None:
        raise conflict
    _check_references(session, assigned_to=data.assigned_to, property_id=data.property_id)
    source = _source_named(session, data.source) if data.source else None
    lead = Lead(
        first_name=data.first_name,
        last_name=data.last_name,
        email=data.email,
        phone=data.phone,
        source=source.name if source else None,
        source_id=source.id if source else None,
        status=data.status,
        assigned_to_id=data.assigned_to,
        budget_min=data.budget_min,
        budget_max=data.budget_max,
        notes=data.notes,
        property_id=data.property_id,
    )
    session.add(lead)
    session.flush()
    audit.record(
        session,
        action="lead.created",
        entity_type="lead",
        entity_id=lead.id,
        actor_user_id=actor_id,
        changes={"origin": origin, "status": lead.status},
    )
    return lead


def _as_input(lead: Lead) -> dict[str, Any]:
    """The lead's editable fields, shaped like a LeadIn."""
    return {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "source": lead.source,
        "status": lead.status,
        "assigned_to": lead.assigned_to_id,
        "budget_min": lead.budget_min,
        "budget_max": lead.budget_max,
        "notes": lead.notes,
        "property_id": lead.property_id,
    }


def update_lead(
    session: Session, *, actor_id: uuid.UUID, lead_id: uuid.UUID, changes: dict[str, Any]
) -> Lead:
    """Apply the given fields; the resulting lead is validated and deduplicated as a new one
    would be, and a status change is written to the timeline."""
    lead = get_lead(session, lead_id=lead_id)
    before = _as_input(lead)
    try:
        data = LeadIn.model_validate({**before, **changes})
    except ValidationError as exc:
        raise _validation_failed(exc) from exc
    after = data.model_dump()
    changed = {name: value for name, value in after.items() if value != before[name]}
    if not changed:
        return lead
    conflict = _duplicate_conflict(
        session, email=changed.get("email"), phone=changed.get("phone"), exclude=lead.id
    )
    if conflict is not None:
        raise conflict
    # Only new references are checked: a lead may keep a member who has since been disabled.
    _check_references(
        session, assigned_to=changed.get("assigned_to"), property_id=changed.get("property_id")
    )
    if "source" in changed:
        source = _source_named(session, data.source) if data.source else None
        lead.source, lead.source_id = (source.name, source.id) if source else (None, None)
    if "status" in changed:
        session.add(
            LeadActivity(
                lead_id=lead.id,
                activity_type=STATUS_CHANGE,
                summary=f"{before['status']} → {data.status}",
                occurred_at=_utcnow(),
                actor_user_id=actor_id,
            )
        )
    lead.first_name, lead.last_name = data.first_name, data.last_name
    lead.email, lead.phone, lead.status = data.email, data.phone, data.status
    lead.budget_min, lead.budget_max, lead.notes = data.budget_min, data.budget_max, data.notes
    lead.assigned_to_id, lead.property_id = data.assigned_to, data.property_id
    session.flush()
    audit.record(
        session,
        action="lead.updated",
        entity_type="lead",
        entity_id=lead.id,
        actor_user_id=actor_id,
        changes={name: _jsonable(value) for name, value in changed.items()},
    )
    return lead


def archive_lead(session: Session, *, actor_id: uuid.UUID, lead_id: uuid.UUID) -> None:
    """Hide a lead from every list and lookup; its email and phone stay reserved."""
    lead = get_lead(session, lead_id=lead_id)
    lead.deleted_at = _utcnow()
    session.flush()
    audit.record(
        session,
        action="lead.archived",
        entity_type="lead",
        entity_id=lead.id,
        actor_user_id=actor_id,
    )


# --- activities and notes -----------------------------------------------------------------------


def add_activity(
    session: Session,
    *,
    actor_id: uuid.UUID,
    lead_id: uuid.UUID,
    activity_type: str,
    summary: str,
    occurred_at: datetime | None = None,
) -> LeadActivity:
    lead = get_lead(session, lead_id=lead_id)
    when = _aware(occurred_at) if occurred_at is not None else _utcnow()
    activity = LeadActivity(
        lead_id=lead.id,
        activity_type=activity_type,
        summary=summary,
        occurred_at=when,
        actor_user_id=actor_id,
    )
    session.add(activity)
    # A back-dated activity must not move the last contact backwards.
    if activity_type in CONTACT_TYPES and (
        lead.last_contacted_at is None or _aware(lead.last_contacted_at) < when
    ):
        lead.last_contacted_at = when
    session.flush()
    return activity


def add_note(session: Session, *, actor_id: uuid.UUID, lead_id: uuid.UUID, body: str) -> LeadNote:
    lead = get_lead(session, lead_id=lead_id)
    note = LeadNote(lead_id=lead.id, body=body, author_user_id=actor_id)
    session.add(note)
    session.flush()
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


def score(session: Session, *, lead_id: uuid.UUID, now: datetime | None = None) -> LeadScore:
    """Score a lead now, keep the result with its explanation, and make it the current score."""
    lead = get_lead(session, lead_id=lead_id)
    now = now or _utcnow()
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
