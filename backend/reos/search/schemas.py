"""Request and response bodies of /api/v1/search."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from reos.api.schemas import StrictBody, UtcDatetime
from reos.core.pagination import MAX_PAGE_SIZE
from reos.properties.schemas import PropertyOut

PropertyType = Literal["single_family", "condo", "townhouse", "multi_family", "land", "commercial"]
PropertyStatus = Literal["active", "pending", "sold", "off_market", "archived"]
LeadStatus = Literal["new", "contacted", "qualified", "converted", "lost"]
CampaignStatus = Literal["draft", "scheduled", "running", "paused", "completed", "cancelled"]
CampaignChannel = Literal["email", "sms", "multi"]
SuggestionType = Literal["address", "city", "lead"]

PropertySort = Literal["relevance", "created_at", "-created_at", "price", "-price", "distance"]
LeadSort = Literal[
    "relevance", "created_at", "-created_at", "last_name", "current_score", "-current_score"
]
CampaignSort = Literal["relevance", "created_at", "-created_at", "name"]

MAX_QUERY_LENGTH = 200
MAX_SUGGESTION_QUERY_LENGTH = 100
MAX_RADIUS_KM = 500


def storable_text(value: str) -> str:
    """Text both databases accept: PostgreSQL refuses NUL characters, and a lone surrogate
    (which JSON's \\ud800 escapes can produce) cannot be encoded for either driver."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


def _blank_is_none(value: str | None) -> str | None:
    return value or None


SafeText = Annotated[str, AfterValidator(storable_text)]
SearchText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_QUERY_LENGTH),
    AfterValidator(storable_text),
]
FilterText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
    AfterValidator(storable_text),
]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"))]
Page = Annotated[int, Field(ge=1, le=100_000, description="1-based page number")]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE, description="Items per page (at most 100)")]

# Money and bathrooms are exact decimals in the database; JSON clients get plain numbers.


def _ordered(low_field: str, value: float | Decimal | None, info: ValidationInfo) -> None:
    low = info.data.get(low_field)
    if value is not None and low is not None and value < low:
        raise ValueError(f"must be at least {low_field}")


# --- requests -----------------------------------------------------------------------------------


class GeoFilter(StrictBody):
    """A circle on the map: properties whose coordinates lie within `radius_km` of the centre."""

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="Latitude of the centre")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="Longitude of the centre")
    radius_km: float = Field(gt=0, le=MAX_RADIUS_KM, allow_inf_nan=False)


class _SearchIn(StrictBody):
    q: SearchText | None = Field(
        None,
        description='Words to find (all must match); `"a phrase"`, `or` and `-word` work '
        "as in a web search engine",
    )
    page: Page = 1
    page_size: PageSize = 25

    @field_validator("q")
    @classmethod
    def _blank_q(cls, value: str | None) -> str | None:
        return _blank_is_none(value)


def _check_relevance(sort: str | None, info: ValidationInfo) -> None:
    if sort == "relevance" and info.data.get("q") is None and "q" in info.data:
        raise ValueError("relevance needs a search text in q")


class PropertySearchIn(_SearchIn):
    """Free text over address, city and description, every filter of the property list, and a
    radius around a point."""

    city: FilterText | None = None
    state: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = None
    zip_code: Annotated[str, StringConstraints(pattern=r"^\d{5}(-?\d{4})?$")] | None = None
    property_type: PropertyType | None = None
    status: PropertyStatus | None = None
    min_price: Money | None = None
    max_price: Money | None = None
    min_bedrooms: Annotated[int, Field(ge=0, le=100)] | None = None
    min_bathrooms: Annotated[Decimal, Field(ge=0, le=100)] | None = None
    min_sqft: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    max_sqft: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    geo: GeoFilter | None = None
    sort: PropertySort | None = Field(
        None,
        description="`relevance` (the default with q), `-created_at` (the default without), "
        "`created_at`, `price`, `-price`, or `distance` (with geo)",
    )

    @field_validator("max_price")
    @classmethod
    def _price_range(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        _ordered("min_price", value, info)
        return value

    @field_validator("max_sqft")
    @classmethod
    def _sqft_range(cls, value: int | None, info: ValidationInfo) -> int | None:
        _ordered("min_sqft", value, info)
        return value

    @field_validator("sort")
    @classmethod
    def _sort_fits(cls, value: str | None, info: ValidationInfo) -> str | None:
        _check_relevance(value, info)
        if value == "distance" and info.data.get("geo") is None and "geo" in info.data:
            raise ValueError("distance needs geo")
        return value


class LeadSearchIn(_SearchIn):
    """Free text over first and last name, email, phone and notes."""

    status: LeadStatus | None = None
    source: FilterText | None = None
    min_score: Annotated[int, Field(ge=0, le=100)] | None = None
    sort: LeadSort | None = Field(
        None,
        description="`relevance` (the default with q), `-created_at` (the default without), "
        "`created_at`, `last_name`, `current_score` or `-current_score`",
    )

    @field_validator("sort")
    @classmethod
    def _sort_fits(cls, value: str | None, info: ValidationInfo) -> str | None:
        _check_relevance(value, info)
        return value


class CampaignSearchIn(_SearchIn):
    """Free text over the campaign's name."""

    status: CampaignStatus | None = None
    channel: CampaignChannel | None = None
    sort: CampaignSort | None = Field(
        None,
        description="`relevance` (the default with q), `-created_at` (the default without), "
        "`created_at` or `name`",
    )

    @field_validator("sort")
    @classmethod
    def _sort_fits(cls, value: str | None, info: ValidationInfo) -> str | None:
        _check_relevance(value, info)
        return value


# --- responses ----------------------------------------------------------------------------------


class _Hit(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    score: float | None = Field(
        None, description="Relevance when q was given; higher is better, comparable within a page"
    )


class PropertyHit(PropertyOut, _Hit):
    distance_km: float | None = Field(None, description="From the geo centre, when geo was given")


class LeadHit(_Hit):
    id: uuid.UUID
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    source: str | None
    status: str
    assigned_to: uuid.UUID | None = Field(validation_alias="assigned_to_id")
    notes: str | None
    property_id: uuid.UUID | None
    last_contacted_at: UtcDatetime | None
    current_score: int | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class CampaignHit(_Hit):
    id: uuid.UUID
    name: str
    channel: str
    status: str
    email_template_id: uuid.UUID | None
    sms_template_id: uuid.UUID | None
    scheduled_at: UtcDatetime | None
    started_at: UtcDatetime | None
    completed_at: UtcDatetime | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class SuggestionOut(BaseModel):
    type: SuggestionType
    label: str
    id: uuid.UUID | None = Field(description="The property or lead; null for a city")


class SuggestionsOut(BaseModel):
    items: list[SuggestionOut]


__all__ = [
    "CampaignHit",
    "CampaignSearchIn",
    "GeoFilter",
    "LeadHit",
    "LeadSearchIn",
    "PropertyHit",
    "PropertySearchIn",
    "SafeText",
    "SuggestionOut",
    "SuggestionsOut",
    "storable_text",
]
