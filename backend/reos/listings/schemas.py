"""Request and response bodies of /api/v1/listings."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from reos.api.schemas import Number, StrictBody, UtcDatetime

ListingStatus = Literal["draft", "active", "pending", "sold", "withdrawn"]
MAX_TERMS_BYTES = 10_000
CENTS = Decimal("0.01")


class ListingUpdateIn(StrictBody):
    """Every field of a listing but its property, which never changes."""

    asking_price: Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)]
    terms: dict[str, Any] = Field(
        default_factory=dict, description="Free-form terms (financing, closing, …)"
    )
    status: ListingStatus = "draft"
    public_remarks: Annotated[
        str | None, StringConstraints(strip_whitespace=True, max_length=5_000)
    ] = None

    @field_validator("asking_price")
    @classmethod
    def _cents(cls, value: Decimal) -> Decimal:
        return value.quantize(CENTS)

    @field_validator("terms")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value)) > MAX_TERMS_BYTES:
            raise ValueError(f"must be at most {MAX_TERMS_BYTES} bytes of JSON")
        return value


class ListingIn(ListingUpdateIn):
    property_id: uuid.UUID


class ListingOut(BaseModel):
    """A listing as its organization sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    property_id: uuid.UUID
    status: str
    asking_price: Number
    terms: dict[str, Any]
    public_remarks: str | None
    listed_at: UtcDatetime | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class PublicPropertyOut(BaseModel):
    """What anyone may know of a listed property: never its owner, parcel or organization."""

    address: str
    city: str
    state: str
    zip_code: str
    property_type: str
    bedrooms: int | None
    bathrooms: Number | None
    square_feet: int | None
    year_built: int | None
    latitude: float | None
    longitude: float | None


class PublicListingOut(BaseModel):
    id: uuid.UUID
    asking_price: Number
    terms: dict[str, Any]
    public_remarks: str | None
    listed_at: UtcDatetime | None
    property: PublicPropertyOut
