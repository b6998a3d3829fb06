"""Great-circle geometry on a spherical Earth (good to ~0.5%): distances, destinations, and the
latitude/longitude box that holds a circle, which is what lets a database use plain range
conditions (and their indexes) before it computes exact distances.

Shared by the data providers and the application, so it imports nothing of either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
# The box is a prefilter: widening it by a hair costs nothing, while a point that rounding
# pushed just outside it would be lost for good.
_MARGIN_DEGREES = 1e-9
FULL_CIRCLE: tuple[tuple[float, float], ...] = ((-180.0, 180.0),)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def normalize_longitude(lon: float) -> float:
    """`lon` in [-180, 180): 180 and -180 are the same meridian."""
    return (lon + 180.0) % 360.0 - 180.0


def destination(
    lat: float, lon: float, bearing_deg: float, distance_km: float
) -> tuple[float, float]:
    """The point `distance_km` from (lat, lon) along the initial bearing."""
    delta = distance_km / EARTH_RADIUS_KM
    theta = math.radians(bearing_deg)
    phi1, lmb1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lmb2 = lmb1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), normalize_longitude(math.degrees(lmb2))


@dataclass(frozen=True)
class BoundingBox:
    """Every point within a circle: one latitude range and one or two longitude ranges (two
    when the circle crosses the ±180° meridian; the whole circle when it holds a pole)."""

    lat_min: float
    lat_max: float
    lon_ranges: tuple[tuple[float, float], ...]

    @property
    def every_longitude(self) -> bool:
        return self.lon_ranges == FULL_CIRCLE

    def contains(self, lat: float, lon: float) -> bool:
        if not -180.0 <= lon <= 180.0:
            lon = normalize_longitude(lon)
        return self.lat_min <= lat <= self.lat_max and any(
            low <= lon <= high for low, high in self.lon_ranges
        )


def bounding_box(lat: float, lon: float, radius_km: float) -> BoundingBox:
    """The smallest latitude/longitude box holding every point within `radius_km` of
    (lat, lon); longitudes of the result lie in [-180, 180].

    The longitude half-width is asin(sin r / cos lat) (r the radius as an angle), which is
    where the circle touches its meridians, not the naive r / cos lat at the centre's latitude.
    """
    angle = radius_km / EARTH_RADIUS_KM
    d_lat = math.degrees(angle) + _MARGIN_DEGREES
    lat_min, lat_max = lat - d_lat, lat + d_lat
    if lat_min <= -90.0 or lat_max >= 90.0 or angle >= math.pi / 2:
        # A pole lies within the circle: every meridian crosses it.
        return BoundingBox(max(lat_min, -90.0), min(lat_max, 90.0), FULL_CIRCLE)
    d_lon = math.degrees(math.asin(math.sin(angle) / math.cos(math.radians(lat))))
    d_lon += _MARGIN_DEGREES
    if d_lon >= 180.0:
        return BoundingBox(lat_min, lat_max, FULL_CIRCLE)
    lon = normalize_longitude(lon)
    lon_min, lon_max = lon - d_lon, lon + d_lon
    ranges: tuple[tuple[float, float], ...]
    if lon_min < -180.0:
        ranges = ((lon_min + 360.0, 180.0), (-180.0, lon_max))
    elif lon_max > 180.0:
        ranges = ((lon_min, 180.0), (-180.0, lon_max - 360.0))
    else:
        ranges = ((lon_min, lon_max),)
    return BoundingBox(lat_min, lat_max, ranges)
