"""`providers.geo` bounding boxes as SQL conditions on a pair of coordinate columns."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, or_

from providers.geo import BoundingBox


def within_box(
    box: BoundingBox, latitude: SQLColumnExpression[Any], longitude: SQLColumnExpression[Any]
) -> ColumnElement[bool]:
    """Rows whose coordinates lie in `box`: plain range conditions an index can serve, with
    the two longitude ranges of a box across the antimeridian joined by OR. A row without
    coordinates never matches."""
    conditions: list[ColumnElement[bool]] = [latitude.between(box.lat_min, box.lat_max)]
    if box.every_longitude:
        conditions.append(longitude.is_not(None))
    else:
        conditions.append(or_(*(longitude.between(low, high) for low, high in box.lon_ranges)))
    return and_(*conditions)
