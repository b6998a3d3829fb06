"""The list contract: `?page=1&page_size=25` (max 100) → `{items, total, page, page_size}`.

`paginate` reads one page of a statement and its total; `Page[ItemOut].of` builds the answer.
Nobody writes a count subquery or a `Page(...)` by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Protocol, Self, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
MAX_PAGE_SIZE = 100


class PageLike(Protocol):
    """Anything that names a page: PageParams, PageQuery, a search body."""

    @property
    def page(self) -> int: ...
    @property
    def page_size(self) -> int: ...


@dataclass(frozen=True)
class PageParams:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @classmethod
    def of(cls, page: PageLike) -> PageParams:
        return page if isinstance(page, PageParams) else cls(page.page, page.page_size)


async def page_params(
    page: Annotated[int, Query(ge=1, le=100_000, description="1-based page number")] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page (at most 100)")
    ] = 25,
) -> PageParams:
    return PageParams(page, page_size)


class PageQuery(BaseModel):
    """The same two parameters as a query-model base, for routes that take their whole query
    string as one model (one validation instead of one per parameter)."""

    page: int = Field(1, ge=1, le=100_000, description="1-based page number")
    page_size: int = Field(25, ge=1, le=MAX_PAGE_SIZE, description="Items per page (at most 100)")

    @property
    def page_params(self) -> PageParams:
        return PageParams(self.page, self.page_size)


# --- reading a page -----------------------------------------------------------------------------


def paginate(session: Session, statement: Select[T], page: PageLike) -> tuple[list[T], int]:
    """One page of a statement that selects one entity (or one column), and the total number
    of rows it selects. `statement` carries its filters and its ORDER BY."""
    params = PageParams.of(page)
    items = list(session.scalars(statement.offset(params.offset).limit(params.page_size)))
    return items, _total(session, statement, params, len(items))


def paginate_rows(
    session: Session, statement: Select[*tuple[Any, ...]], page: PageLike
) -> tuple[list[Row[*tuple[Any, ...]]], int]:
    """`paginate` for a statement of several columns: the page's rows as they come."""
    params = PageParams.of(page)
    rows = list(session.execute(statement.offset(params.offset).limit(params.page_size)).all())
    return rows, _total(session, statement, params, len(rows))


def _total(session: Session, statement: Select[Any], page: PageParams, fetched: int) -> int:
    # A page that is not full is the last one, so the total is known without asking (unless it
    # is empty past the first page: then the offset may be beyond the end, and we must count).
    if fetched < page.page_size and (fetched or page.offset == 0):
        return page.offset + fetched
    # The count runs over the filtered statement without its ORDER BY, which only costs.
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    return session.scalar(counted) or 0


# --- the answer ---------------------------------------------------------------------------------


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int

    @classmethod
    def of(cls, items: Iterable[Any], total: int, page: PageLike) -> Self:
        """The answer for one page: `Page[ItemOut].of(rows, total, page)`. Each item may be an
        ItemOut already, or anything ItemOut validates from (an ORM row, by its attributes;
        a mapping)."""
        if not cls.__pydantic_generic_metadata__["args"]:
            raise TypeError("Page.of needs the item model: Page[ItemOut].of(...)")
        return cls.model_validate(
            {"items": list(items), "total": total, "page": page.page, "page_size": page.page_size},
            from_attributes=True,
        )
