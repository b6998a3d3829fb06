"""Reading properties: filtered and sorted pages, and substring search."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from reos.core.errors import FieldProblem, ValidationFailed, require_ordered
from reos.core.pagination import PageParams, paginate
from reos.models import Property
from reos.properties.schemas import SORT_FIELDS


@dataclass(frozen=True)
class PropertyFilters:
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    property_type: str | None = None
    status: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_bedrooms: int | None = None
    min_bathrooms: Decimal | None = None
    min_sqft: int | None = None
    max_sqft: int | None = None


def parse_sort(sort: str) -> tuple[str, bool]:
    """`price` or `-price` → ("price", descending); anything else is a 422 naming `sort`."""
    name = sort.removeprefix("-")
    if name not in SORT_FIELDS:
        allowed = ", ".join(SORT_FIELDS)
        raise ValidationFailed(
            f"Cannot sort by {sort!r}; use one of {allowed}, optionally prefixed with '-'.",
            errors=[FieldProblem("query.sort", f"must be one of {allowed} (or -field)", "enum")],
        )
    return name, sort.startswith("-")


def _filtered(filters: PropertyFilters) -> Select[Property]:
    for low, high, name in (
        (filters.min_price, filters.max_price, "price"),
        (filters.min_sqft, filters.max_sqft, "sqft"),
    ):
        require_ordered(low, high, low_name=f"min_{name}", high_name=f"max_{name}", where="query")
    query = select(Property)
    if filters.city:
        query = query.where(func.lower(Property.city) == filters.city.strip().lower())
    if filters.state:
        query = query.where(Property.state == filters.state.strip().upper())
    if filters.zip_code:
        # "78701" also finds "78701-1234".
        query = query.where(Property.zip_code.startswith(filters.zip_code, autoescape=True))
    if filters.property_type:
        query = query.where(Property.property_type == filters.property_type)
    if filters.status:
        query = query.where(Property.status == filters.status)
    if filters.min_price is not None:
        query = query.where(Property.price >= filters.min_price)
    if filters.max_price is not None:
        query = query.where(Property.price <= filters.max_price)
    if filters.min_bedrooms is not None:
        query = query.where(Property.bedrooms >= filters.min_bedrooms)
    if filters.min_bathrooms is not None:
        query = query.where(Property.bathrooms >= filters.min_bathrooms)
    if filters.min_sqft is not None:
        query = query.where(Property.square_feet >= filters.min_sqft)
    if filters.max_sqft is not None:
        query = query.where(Property.square_feet <= filters.max_sqft)
    return query


def list_properties(
    session: Session, *, filters: PropertyFilters, sort: str, page: PageParams
) -> tuple[list[Property], int]:
    """One page of the organization's (non-archived) properties."""
    name, descending = parse_sort(sort)
    column = getattr(Property, name)
    # Missing values last either way, and id last so equal values page stably.
    order = [(column.desc() if descending else column.asc()).nulls_last(), Property.id]
    return paginate(session, _filtered(filters).order_by(*order), page)


SEARCHED_COLUMNS = (
    Property.address,
    Property.city,
    Property.zip_code,
    Property.description,
    Property.owner_name,
)


def search_properties(session: Session, *, q: str, page: PageParams) -> tuple[list[Property], int]:
    """Case-insensitive substring search; `%` and `_` in `q` are literal characters."""
    term = q.strip()
    query = select(Property).where(
        or_(*(column.icontains(term, autoescape=True) for column in SEARCHED_COLUMNS))
    )
    return paginate(session, query.order_by(Property.created_at.desc(), Property.id), page)
