"""The UTC rule: naive stored moments are UTC, offsets are converted, None passes through."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from reos.core import db
from reos.core.time import as_utc, utcnow


def test_a_naive_moment_is_read_as_utc() -> None:
    assert as_utc(datetime(2026, 1, 2, 3, 4, 5)) == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_an_offset_is_converted_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    converted = as_utc(datetime(2026, 1, 2, 3, 0, tzinfo=paris))
    assert converted.tzinfo is UTC and converted.hour == 2


def test_none_stays_none() -> None:
    assert as_utc(None) is None


def test_now_is_aware_and_still_importable_from_the_database_module() -> None:
    assert utcnow().tzinfo is UTC
    assert db.utcnow is utcnow
