"""The list contract: `?page=1&page_size=25` (max 100) → `{items, total, page, page_size}`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

T = TypeVar("T")
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class PageParams:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


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


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int
