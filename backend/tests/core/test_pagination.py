"""One page and its total from any statement, counting only when the page cannot tell."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from reos.core.pagination import Page, PageParams, paginate, paginate_rows


class Base(DeclarativeBase):
    pass


class Home(Base):
    __tablename__ = "homes"
    id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str] = mapped_column(String(40))


class HomeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    city: str


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(Home(id=i, city="Austin" if i % 2 else "Dallas") for i in range(1, 24))
        session.flush()
        yield session


@pytest.fixture
def statements(session: Session) -> list[str]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(session.get_bind(), "before_cursor_execute", record)
    return seen


AUSTIN = select(Home).where(Home.city == "Austin").order_by(Home.id.desc())  # 12 homes


def test_a_full_page_is_counted_without_its_order_by(
    session: Session, statements: list[str]
) -> None:
    homes, total = paginate(session, AUSTIN, PageParams(1, 5))
    assert [h.id for h in homes] == [23, 21, 19, 17, 15] and total == 12
    count = statements[-1]
    assert "count(*)" in count and "ORDER BY" not in count and "city" in count


def test_a_page_that_is_not_full_needs_no_count(session: Session, statements: list[str]) -> None:
    homes, total = paginate(session, AUSTIN, PageParams(3, 5))
    assert [h.id for h in homes] == [3, 1] and total == 12
    assert len(statements) == 1
    _, total = paginate(session, AUSTIN, PageParams(1, 50))
    assert total == 12 and len(statements) == 2


def test_a_page_past_the_end_is_empty_and_still_counted(session: Session) -> None:
    assert paginate(session, AUSTIN, PageParams(9, 5)) == ([], 12)
    assert paginate(session, AUSTIN.where(Home.id < 0), PageParams(1, 5)) == ([], 0)


def test_rows_of_several_columns_come_as_rows(session: Session) -> None:
    statement = select(Home.id, Home.city).where(Home.id <= 3).order_by(Home.id)
    rows, total = paginate_rows(session, statement, PageParams(1, 2))
    assert [tuple(row) for row in rows] == [(1, "Austin"), (2, "Dallas")] and total == 3


def test_a_page_is_built_from_orm_rows_or_from_items(session: Session) -> None:
    homes, total = paginate(session, AUSTIN, PageParams(2, 5))
    page = Page[HomeOut].of(homes, total, PageParams(2, 5))
    assert page.model_dump() == {
        "items": [{"id": i, "city": "Austin"} for i in (13, 11, 9, 7, 5)],
        "total": 12,
        "page": 2,
        "page_size": 5,
    }
    built = Page[HomeOut].of([HomeOut(id=1, city="Austin")], 1, PageParams(1, 5))
    assert built.items == [HomeOut(id=1, city="Austin")]


def test_a_page_without_its_item_model_is_refused() -> None:
    with pytest.raises(TypeError, match=r"Page\[ItemOut\]"):
        Page.of([], 0, PageParams(1, 5))
