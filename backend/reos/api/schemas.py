"""Schema building blocks shared by several features."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)

from reos.core.security.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from reos.core.time import as_utc

Password = Annotated[
    str,
    Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description="8 to 128 characters; never truncated",
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

# Money and similar exact decimals: Decimal in Python and the database, plain numbers in JSON.
Number = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]

# What the columns can hold, one type per column kind: a filter or field beyond them would reach
# the database and fail there as a 500 instead of a 422 naming it.
INTEGER_MAX = 2_147_483_647
Count = Annotated[int, Field(ge=0, le=INTEGER_MAX, description="0 to 2147483647")]
"""A non-negative value of an INTEGER column (square feet, bedrooms, ...)."""
MONEY_MAX = Decimal("999999999999.99")
Money = Annotated[Decimal, Field(ge=0, le=MONEY_MAX)]
"""An amount of a NUMERIC(14, 2) money column."""


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


class StrictBody(BaseModel):
    """A request body that refuses unknown fields (such as organization_id) instead of
    silently ignoring them."""

    model_config = ConfigDict(extra="forbid")
