"""Request and response bodies of /api/v1/leads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from reos.api.schemas import StrictBody, UtcDatetime, as_utc
from reos.core.pagination import PageQuery
from reos.core.phones import MAX_PHONE_LENGTH, PhoneNumber

LeadStatus = Literal["new", "contacted", "qualified", "converted", "lost"]
# status_change activities are written by the service when a lead's status moves, never posted.
ActivityType = Literal["call", "email", "sms", "meeting", "showing", "note"]
TimelineType = Literal["activity", "note", "score", "status_change"]
LeadSort = Literal[
    "created_at", "-created_at", "last_name", "-last_name", "current_score", "-current_score"
]

PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
SourceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=14, decimal_places=2),
    # Cents always, so a response says "250000.00" whether or not the row was just written.
    AfterValidator(lambda amount: amount.quantize(Decimal("0.01"))),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]

# An activity may be logged a little ahead of the server's clock (client skew), not more.
CLOCK_SKEW = timedelta(minutes=1)


# --- leads --------------------------------------------------------------------------------------


class LeadIn(StrictBody):
    """A lead as created by POST, by a CSV import row, and as it must look after a PUT."""

    first_name: PersonName
    last_name: PersonName
    email: EmailStr | None = None
    phone: PhoneNumber | None = None
    source: SourceName | None = None
    status: LeadStatus = "new"
    assigned_to: uuid.UUID | None = Field(None, description="A member of your organization")
    budget_min: Money | None = None
    budget_max: Money | None = None
    notes: OptionalText | None = None
    property_id: uuid.UUID | None = Field(None, description="A property of your organization")

    @field_validator("email")
    @classmethod
    def _lower_email(cls, value: str | None) -> str | None:
        # Stored lower-case so that duplicates are found whatever the casing.
        return value.lower() if value is not None else None

    @field_validator("budget_max")
    @classmethod
    def _budget_ordered(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        low = info.data.get("budget_min")
        if value is not None and low is not None and value < low:
            raise ValueError("budget_max must not be less than budget_min")
        return value


class LeadUpdateIn(StrictBody):
    """The fields to change; the lead they produce is validated as a whole, like a new one."""

    first_name: PersonName | None = None
    last_name: PersonName | None = None
    email: EmailStr | None = None
    phone: Annotated[str, Field(max_length=MAX_PHONE_LENGTH)] | None = None
    source: SourceName | None = None
    status: LeadStatus | None = None
    assigned_to: uuid.UUID | None = None
    budget_min: Money | None = None
    budget_max: Money | None = None
    notes: OptionalText | None = None
    property_id: uuid.UUID | None = None


class LeadOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    source: str | None
    source_id: uuid.UUID | None
    status: str
    assigned_to: uuid.UUID | None = Field(validation_alias="assigned_to_id")
    budget_min: Decimal | None
    budget_max: Decimal | None
    notes: str | None
    property_id: uuid.UUID | None
    last_contacted_at: UtcDatetime | None
    current_score: int | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


# --- activities, notes, scores, timeline --------------------------------------------------------


class ActivityIn(StrictBody):
    activity_type: ActivityType
    summary: Text
    occurred_at: datetime | None = Field(None, description="Defaults to now; naive means UTC")

    @field_validator("occurred_at")
    @classmethod
    def _not_in_the_future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        if value > datetime.now(UTC) + CLOCK_SKEW:
            raise ValueError("must not be in the future")
        return value


class ActivityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    lead_id: uuid.UUID
    activity_type: str
    summary: str
    occurred_at: UtcDatetime
    actor_user_id: uuid.UUID | None
    created_at: UtcDatetime


class NoteIn(StrictBody):
    body: Text


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    lead_id: uuid.UUID
    body: str
    author_user_id: uuid.UUID | None
    created_at: UtcDatetime


class FactorOut(BaseModel):
    points: int
    max: int


class ScoreOut(BaseModel):
    """A score with its explanation: the points of each factor and the reasons behind them."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    lead_id: uuid.UUID
    score: int = Field(ge=0, le=100)
    factors: dict[str, FactorOut]
    reason_codes: list[str]
    model_version: str
    scored_at: UtcDatetime


class TimelineItemOut(BaseModel):
    type: TimelineType
    at: UtcDatetime
    summary: str
    data: dict[str, Any]


class LeadListQuery(PageQuery):
    """The query string of GET /leads: filters, sort and page, validated as one model."""

    status: LeadStatus | None = None
    source: str | None = Field(None, max_length=80)
    assigned_to: uuid.UUID | None = None
    min_score: int | None = Field(None, ge=0, le=100)
    q: str | None = Field(
        None, max_length=200, description="Part of a first or last name, email or phone"
    )
    sort: LeadSort = Field("-created_at", description="A field, `-` first for descending")


__all__ = [
    "ActivityIn",
    "ActivityOut",
    "LeadIn",
    "LeadListQuery",
    "LeadOut",
    "LeadSort",
    "LeadStatus",
    "LeadUpdateIn",
    "NoteIn",
    "NoteOut",
    "ScoreOut",
    "TimelineItemOut",
]
