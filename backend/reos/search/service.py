"""Use cases of search: properties, leads and campaigns by text and filters, and autocomplete.

Every statement is an ORM statement run in the caller's session, so it sees the caller's
organization only and no archived row; the backend (reos.search.backends) adds the database's
text matching and distance. Nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Uuid,
    bindparam,
    case,
    cast,
    desc,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from providers.geo import bounding_box
from reos.core.geo import within_box
from reos.core.pagination import PageParams, paginate_rows
from reos.core.phones import to_e164
from reos.models import Campaign, Lead, Property
from reos.search.backends import (
    SearchBackend,
    Statement,
    SuggestionField,
    Target,
    TextMatch,
    backend_for,
    like_escape,
)
from reos.search.schemas import (
    CampaignHit,
    CampaignSearchIn,
    LeadHit,
    LeadSearchIn,
    PropertyHit,
    PropertySearchIn,
    SuggestionOut,
)

SUGGESTION_ORDER: dict[SuggestionField, int] = {"city": 0, "address": 1, "lead": 2}
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")


def _page(criteria: PropertySearchIn | LeadSearchIn | CampaignSearchIn) -> PageParams:
    return PageParams(criteria.page, criteria.page_size)


def _run(
    session: Session,
    *,
    entity: Any,
    match: TextMatch | None,
    conditions: Sequence[ColumnElement[bool]],
    extra: dict[str, ColumnElement[Any]],
    order_by: list[Any],
    page: PageParams,
) -> tuple[list[tuple[Any, dict[str, Any]]], int]:
    """One page of `entity` rows narrowed by `match` and `conditions`, with the `extra` columns
    of each row, and the total."""

    labelled = [expression.label(name) for name, expression in extra.items()]
    query: Statement = select(entity, *labelled).select_from(entity)
    if match is not None:
        query = match.apply(query)
    rows, total = paginate_rows(session, query.where(*conditions).order_by(*order_by), page)
    return [(row[0], {name: row._mapping[name] for name in extra}) for row in rows], total


def _text(backend: SearchBackend, target: Target, q: str | None) -> tuple[TextMatch | None, bool]:
    """The match for `q` (None without q) and whether anything can match at all."""
    if q is None:
        return None, True
    match = backend.match(target, q)
    return match, match is not None


def _as_float(value: Any) -> float | None:
    return None if value is None else float(value)


# --- properties ---------------------------------------------------------------------------------


def _zip(value: str) -> str:
    # Stored as 12345 or 12345-6789; "123456789" means the latter.
    return f"{value[:5]}-{value[5:]}" if len(value) == 9 else value


def _property_filters(criteria: PropertySearchIn) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if criteria.city:
        conditions.append(func.lower(Property.city) == criteria.city.lower())
    if criteria.state:
        conditions.append(Property.state == criteria.state.upper())
    if criteria.zip_code:
        # "78701" also finds "78701-1234".
        conditions.append(Property.zip_code.startswith(_zip(criteria.zip_code), autoescape=True))
    if criteria.property_type:
        conditions.append(Property.property_type == criteria.property_type)
    if criteria.status:
        conditions.append(Property.status == criteria.status)
    if criteria.min_price is not None:
        conditions.append(Property.price >= criteria.min_price)
    if criteria.max_price is not None:
        conditions.append(Property.price <= criteria.max_price)
    if criteria.min_bedrooms is not None:
        conditions.append(Property.bedrooms >= criteria.min_bedrooms)
    if criteria.min_bathrooms is not None:
        conditions.append(Property.bathrooms >= criteria.min_bathrooms)
    if criteria.min_sqft is not None:
        conditions.append(Property.square_feet >= criteria.min_sqft)
    if criteria.max_sqft is not None:
        conditions.append(Property.square_feet <= criteria.max_sqft)
    return conditions


def _property_order(
    sort: str, score: ColumnElement[Any] | None, distance: ColumnElement[Any] | None
) -> list[Any]:
    if sort == "relevance" and score is not None:
        return [desc(score), Property.created_at.desc(), Property.id.desc()]
    if sort == "distance" and distance is not None:
        return [distance.asc(), Property.id.asc()]
    if sort in ("price", "-price"):
        price = Property.price.desc() if sort == "-price" else Property.price.asc()
        return [price.nulls_last(), Property.id.asc()]
    if sort == "created_at":
        return [Property.created_at.asc(), Property.id.asc()]
    return [Property.created_at.desc(), Property.id.desc()]


def search_properties(
    session: Session, *, criteria: PropertySearchIn
) -> tuple[list[PropertyHit], int]:
    backend = backend_for(session)
    match, possible = _text(backend, "properties", criteria.q)
    if not possible:
        return [], 0
    conditions = _property_filters(criteria)
    extra: dict[str, ColumnElement[Any]] = {}
    if match is not None:
        extra["score"] = match.score
    distance: ColumnElement[Any] | None = None
    if criteria.geo is not None:
        geo = criteria.geo
        distance = backend.distance_km(session, geo.lat, geo.lon)
        # The box first, so the exact distance is computed for nearby rows only.
        box = bounding_box(geo.lat, geo.lon, geo.radius_km)
        conditions += [within_box(box, Property.latitude, Property.longitude)]
        conditions.append(distance <= geo.radius_km)
        extra["distance_km"] = distance
    sort = criteria.sort or ("relevance" if match is not None else "-created_at")
    rows, total = _run(
        session,
        entity=Property,
        match=match,
        conditions=conditions,
        extra=extra,
        order_by=_property_order(sort, match.score if match else None, distance),
        page=_page(criteria),
    )
    hits = []
    for home, values in rows:
        hit = PropertyHit.model_validate(home)
        hit.score = _as_float(values.get("score"))
        hit.distance_km = _as_float(values.get("distance_km"))
        hits.append(hit)
    return hits, total


# --- leads --------------------------------------------------------------------------------------


def phone_as_stored(q: str) -> str:
    """A query that is a phone number written the usual ways, as leads store it (E.164), so
    "(415) 555-0100" finds +14155550100; any other text unchanged."""
    # Only text made of a phone number's characters: libphonenumber would otherwise read the
    # digits out of "ann 415" or a street address. A possible number is enough, since only
    # the spelling changes and what is stored decides what is found.
    if not _PHONE_LIKE.match(q):
        return q
    return to_e164(q, possible_only=True) or q


def _lead_order(sort: str, score: ColumnElement[Any] | None) -> list[Any]:
    if sort == "relevance" and score is not None:
        return [desc(score), Lead.created_at.desc(), Lead.id.desc()]
    if sort == "last_name":
        return [func.lower(Lead.last_name).asc(), Lead.id.asc()]
    if sort in ("current_score", "-current_score"):
        column = Lead.current_score
        primary = column.desc() if sort.startswith("-") else column.asc()
        return [primary.nulls_last(), Lead.id.asc()]
    if sort == "created_at":
        return [Lead.created_at.asc(), Lead.id.asc()]
    return [Lead.created_at.desc(), Lead.id.desc()]


def search_leads(session: Session, *, criteria: LeadSearchIn) -> tuple[list[LeadHit], int]:
    backend = backend_for(session)
    q = phone_as_stored(criteria.q) if criteria.q is not None else None
    match, possible = _text(backend, "leads", q)
    if not possible:
        return [], 0
    conditions: list[ColumnElement[bool]] = []
    if criteria.status is not None:
        conditions.append(Lead.status == criteria.status)
    if criteria.source is not None:
        conditions.append(func.lower(Lead.source) == criteria.source.lower())
    if criteria.min_score is not None:
        conditions.append(Lead.current_score >= criteria.min_score)
    sort = criteria.sort or ("relevance" if match is not None else "-created_at")
    rows, total = _run(
        session,
        entity=Lead,
        match=match,
        conditions=conditions,
        extra={"score": match.score} if match is not None else {},
        order_by=_lead_order(sort, match.score if match else None),
        page=_page(criteria),
    )
    hits = []
    for lead, values in rows:
        hit = LeadHit.model_validate(lead)
        hit.score = _as_float(values.get("score"))
        hits.append(hit)
    return hits, total


# --- campaigns ----------------------------------------------------------------------------------


def _campaign_order(sort: str, score: ColumnElement[Any] | None) -> list[Any]:
    if sort == "relevance" and score is not None:
        return [desc(score), Campaign.created_at.desc(), Campaign.id.desc()]
    if sort == "name":
        return [func.lower(Campaign.name).asc(), Campaign.id.asc()]
    if sort == "created_at":
        return [Campaign.created_at.asc(), Campaign.id.asc()]
    return [Campaign.created_at.desc(), Campaign.id.desc()]


def search_campaigns(
    session: Session, *, criteria: CampaignSearchIn
) -> tuple[list[CampaignHit], int]:
    backend = backend_for(session)
    match, possible = _text(backend, "campaigns", criteria.q)
    if not possible:
        return [], 0
    conditions: list[ColumnElement[bool]] = []
    if criteria.status is not None:
        conditions.append(Campaign.status == criteria.status)
    if criteria.channel is not None:
        conditions.append(Campaign.channel == criteria.channel)
    sort = criteria.sort or ("relevance" if match is not None else "-created_at")
    rows, total = _run(
        session,
        entity=Campaign,
        match=match,
        conditions=conditions,
        extra={"score": match.score} if match is not None else {},
        order_by=_campaign_order(sort, match.score if match else None),
        page=_page(criteria),
    )
    hits = []
    for campaign, values in rows:
        hit = CampaignHit.model_validate(campaign)
        hit.score = _as_float(values.get("score"))
        hits.append(hit)
    return hits, total


# --- suggestions --------------------------------------------------------------------------------

# What starts with the typed text (escaped, then "%"), and how many of each kind to keep.
STARTS = bindparam("starts", type_=String)
LIMIT = bindparam("limit", type_=Integer)
SUGGESTION_KINDS: tuple[SuggestionField, ...] = ("city", "address", "lead")
SUGGESTION_TYPES = {order: kind for kind, order in SUGGESTION_ORDER.items()}
# One statement per backend and set of kinds, built once: it is the same for every keystroke.
_SUGGESTION_STATEMENTS: dict[tuple[str, tuple[SuggestionField, ...]], Statement] = {}


def _flag(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return case((condition, 1), else_=0)


def _kind(kind: SuggestionField) -> ColumnElement[Any]:
    return literal_column(str(SUGGESTION_ORDER[kind]), Integer).label("kind")


def _address_statement(match: TextMatch) -> Statement:
    prefix = _flag(Property.address.ilike(STARTS, escape="\\")).label("prefix")
    query: Statement = select(
        _kind("address"), Property.id.label("id"), Property.address.label("label"), prefix
    ).select_from(Property)
    return match.apply(query).order_by(desc("prefix"), Property.address).limit(LIMIT)


def _city_statement(match: TextMatch) -> Statement:
    prefix = func.max(_flag(Property.city.ilike(STARTS, escape="\\"))).label("prefix")
    query: Statement = select(
        _kind("city"), cast(null(), Uuid).label("id"), Property.city.label("label"), prefix
    ).select_from(Property)
    return (
        match.apply(query)
        .group_by(Property.city)
        .order_by(desc("prefix"), Property.city)
        .limit(LIMIT)
    )


def _lead_statement(match: TextMatch) -> Statement:
    full_name = Lead.first_name + " " + Lead.last_name
    starts = or_(
        *(column.ilike(STARTS, escape="\\") for column in (Lead.first_name, Lead.last_name)),
        full_name.ilike(STARTS, escape="\\"),
    )
    prefix = _flag(starts).label("prefix")
    query: Statement = select(
        _kind("lead"), Lead.id.label("id"), full_name.label("label"), prefix
    ).select_from(Lead)
    return match.apply(query).order_by(desc("prefix"), Lead.last_name, Lead.first_name).limit(LIMIT)


SUGGESTION_STATEMENTS: dict[SuggestionField, Callable[[TextMatch], Statement]] = {
    "city": _city_statement,
    "address": _address_statement,
    "lead": _lead_statement,
}


def suggestion_statement(backend: SearchBackend, kinds: tuple[SuggestionField, ...]) -> Statement:
    """One statement for the suggestions of `kinds`: for each, one bounded, indexed query (its
    rows: kind, id, label and whether it starts with the text), all in one round trip. Its
    parameters are "starts", "limit" and the backend's `suggestion_values`."""
    key = (backend.name, kinds)
    statement = _SUGGESTION_STATEMENTS.get(key)
    if statement is None:
        parts = [
            select(SUGGESTION_STATEMENTS[kind](backend.suggestion_match(kind)).subquery(kind))
            for kind in kinds
        ]
        statement = parts[0] if len(parts) == 1 else select(union_all(*parts).subquery())
        _SUGGESTION_STATEMENTS[key] = statement
    return statement


def suggestions(
    session: Session, *, q: str, limit: int, include_leads: bool
) -> list[SuggestionOut]:
    """Cities, addresses and (when the caller may read leads) lead names matching `q`; whatever
    starts with `q` comes first, then cities, addresses and leads, each alphabetically."""
    q = q.strip()
    if not q:
        return []
    backend = backend_for(session)
    values: dict[str, Any] = {"starts": like_escape(q) + "%", "limit": limit}
    kinds: list[SuggestionField] = []
    for kind in SUGGESTION_KINDS:
        if kind == "lead" and not include_leads:
            continue
        found = backend.suggestion_values(kind, q, limit)
        if found is not None:
            kinds.append(kind)
            values.update(found)
    if not kinds:
        return []
    ranked: list[tuple[tuple[int, int, str], SuggestionOut]] = []
    for row in session.execute(suggestion_statement(backend, tuple(kinds)), values):
        kind = SUGGESTION_TYPES[row.kind]
        item = SuggestionOut(type=kind, label=row.label, id=None if kind == "city" else row.id)
        ranked.append(((0 if row.prefix else 1, row.kind, item.label.lower()), item))
    ranked.sort(key=lambda pair: pair[0])
    return [item for _, item in ranked[:limit]]
