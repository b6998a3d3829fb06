"""The one clock and the one rule for reading stored moments: everything is UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


def utcnow() -> datetime:
    """The current moment, time-zone aware in UTC."""
    return datetime.now(UTC)


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """`moment` as an aware UTC datetime; None stays None.

    Naive means UTC: SQLite hands back naive datetimes for what was stored as UTC. An offset is
    converted, so comparisons and responses never depend on a database session's time zone.
    """
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
