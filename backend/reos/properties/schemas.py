"""Request and response bodies of /api/v1/properties (the CSV import validates rows with
`PropertyIn` too, so a row and a POST body obey the same rules)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from reos.api.schemas import Number, StrictBody, UtcDatetime
from reos.core.pagination import PageQuery

PropertyType = Literal["single_family", "condo", "townhouse", "multi_family", "land", "commercial"]
PropertyStatus = Literal["active", "pending", "sold", "off_market", "archived"]
# `archived` is what DELETE sets (together with deleted_at); a body may not set it, or a
# property would be "archived" yet still listed and editable.
WritableStatus = Literal["active", "pending", "sold", "off_market"]
SORT_FIELDS = ("price", "created_at", "square_feet", "bedrooms", "year_built")
DEFAULT_SORT = "-created_at"


class PropertyOut(BaseModel):
    """A property as the API shows it: by its own routes and inside search hits (the search
    feature presents it, so its schemas may import this one)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organization_id: uuid.UUID
    address: str
    city: str
    state: str
    zip_code: str
    property_type: str
    status: str
    price: Number | None
    bedrooms: int | None
    bathrooms: Number | None
    square_feet: int | None
    lot_size: int | None
    year_built: int | None
    latitude: float | None
    longitude: float | None
    apn: str | None
    description: str | None
    owner_name: str | None
    created_by_id: uuid.UUID | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


ZIP_PATTERN = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
EARLIEST_YEAR_BUILT = 1700
CENTS = Decimal("0.01")
TENTHS = Decimal("0.1")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class PropertyIn(StrictBody):
    """A whole property: POST creates one, PUT replaces every field with these."""

    address: Annotated[Text, Field(max_length=300)]
    city: Annotated[Text, Field(max_length=120)]
    state: Annotated[
        str,
        StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$"),
        Field(description="Two-letter state code; upper-cased"),
    ]
    zip_code: Annotated[str, Field(description="US ZIP: 12345, 12345-6789 or 123456789")]
    property_type: PropertyType
    status: WritableStatus = "active"
    price: Annotated[
        Decimal | None, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)
    ] = None
    bedrooms: Annotated[int | None, Field(ge=0, le=100)] = None
    bathrooms: Annotated[Decimal | None, Field(ge=0, le=100, decimal_places=1)] = None
    square_feet: Annotated[int | None, Field(gt=0, le=10_000_000)] = None
    lot_size: Annotated[int | None, Field(ge=0, le=1_000_000_000, description="Square feet")] = None
    year_built: Annotated[int | None, Field(description="1700 to next year")] = None
    latitude: Annotated[float | None, Field(ge=-90, le=90)] = None
    # validate_default: the "both or neither" rule must run when longitude is left out.
    longitude: Annotated[float | None, Field(ge=-180, le=180, validate_default=True)] = None
    apn: Annotated[Text | None, Field(max_length=64, description="Assessor's parcel number")] = None
    description: Annotated[Text | None, Field(max_length=10_000)] = None
    owner_name: Annotated[Text | None, Field(max_length=200)] = None

    @field_validator("zip_code")
    @classmethod
    def _us_zip(cls, value: str) -> str:
        match = ZIP_PATTERN.match(value.strip())
        if match is None:
            raise ValueError("must be a 5 or 9 digit US ZIP code")
        five, four = match.groups()
        return f"{five}-{four}" if four else five

    @field_validator("price")
    @classmethod
    def _cents(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else value.quantize(CENTS)

    @field_validator("bathrooms")
    @classmethod
    def _tenths(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else value.quantize(TENTHS)

    @field_validator("year_built")
    @classmethod
    def _plausible_year(cls, value: int | None) -> int | None:
        # Next year is allowed: new construction is sold before it is finished.
        latest = datetime.now(UTC).year + 1
        if value is not None and not EARLIEST_YEAR_BUILT <= value <= latest:
            raise ValueError(f"must be between {EARLIEST_YEAR_BUILT} and {latest}")
        return value

    @field_validator("longitude")
    @classmethod
    def _coordinates_in_pairs(cls, value: float | None, info: ValidationInfo) -> float | None:
        if "latitude" not in info.data:
            return value  # latitude itself failed; its own error says why
        if (value is None) != (info.data["latitude"] is None):
            raise ValueError("latitude and longitude are given together or not at all")
        return value


class PropertyImageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    property_id: uuid.UUID
    storage_key: str = Field(description="Download it with GET /api/v1/storage/{storage_key}")
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    position: int
    created_at: UtcDatetime


class ValuationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    property_id: uuid.UUID
    value: Number
    low: Number
    high: Number
    confidence: Number = Field(description="0 to 1")
    method: str
    comparables: list[dict[str, Any]]
    reason_codes: list[str]
    inputs_hash: str
    valued_at: UtcDatetime


class ChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    change_type: str
    field: str | None
    old_value: str | None
    new_value: str | None
    actor_user_id: uuid.UUID | None
    changed_at: UtcDatetime


class HistoryItemOut(BaseModel):
    """One entry of a property's history: a recorded change, or a valuation."""

    kind: Literal["change", "valuation"]
    at: UtcDatetime
    change: ChangeOut | None = None
    valuation: ValuationOut | None = None


class PropertyListQuery(PageQuery):
    """The query string of GET /properties: filters, sort and page, validated as one model."""

    city: str | None = Field(None, max_length=120)
    state: str | None = Field(None, pattern=r"^[A-Za-z]{2}$")
    zip_code: str | None = Field(None, pattern=r"^\d{5}(-?\d{4})?$")
    property_type: PropertyType | None = None
    status: PropertyStatus | None = None
    min_price: Decimal | None = Field(None, ge=0)
    max_price: Decimal | None = Field(None, ge=0)
    min_bedrooms: int | None = Field(None, ge=0)
    min_bathrooms: Decimal | None = Field(None, ge=0)
    min_sqft: int | None = Field(None, ge=0)
    max_sqft: int | None = Field(None, ge=0)
    sort: str = Field(
        DEFAULT_SORT,
        max_length=20,
        description="price, created_at, square_feet, bedrooms or year_built; "
        "prefix with '-' for descending",
    )
