"""Great-circle distances and the boxes that hold a circle, across the antimeridian and at
the poles, with known values and with generated points."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.geo import (
    EARTH_RADIUS_KM,
    FULL_CIRCLE,
    bounding_box,
    destination,
    haversine_km,
    normalize_longitude,
)

# Suva (Fiji) and Kiritimati (Kiribati): the antimeridian lies between them.
SUVA = (-18.1248, 178.4501)
KIRITIMATI = (1.8721, -157.4278)


def test_known_distances() -> None:
    assert haversine_km(30.2672, -97.7431, 32.7767, -96.7970) == pytest.approx(293, abs=3)
    # London to New York, and a quarter of a meridian from the equator to a pole.
    assert haversine_km(51.5074, -0.1278, 40.7128, -74.0060) == pytest.approx(5570, abs=10)
    assert haversine_km(0, 0, 90, 0) == pytest.approx(EARTH_RADIUS_KM * 3.141592653589793 / 2)


def test_a_distance_across_the_antimeridian_goes_the_short_way() -> None:
    # 0.2 degrees of longitude at the equator, not 359.8.
    assert haversine_km(0, 179.9, 0, -179.9) == pytest.approx(22.24, abs=0.01)
    # The same two places moved half way round the world are just as far apart.
    shifted = haversine_km(SUVA[0], SUVA[1] - 180, KIRITIMATI[0], KIRITIMATI[1] + 180)
    assert haversine_km(*SUVA, *KIRITIMATI) == pytest.approx(shifted)
    assert 3000 < shifted < 4000


def test_destination_and_haversine_agree_across_the_antimeridian() -> None:
    lat, lon = destination(-16.5, 179.95, 90.0, 20.0)
    assert lon < -179.0  # walked east over the line
    assert haversine_km(-16.5, 179.95, lat, lon) == pytest.approx(20.0, abs=1e-6)


def test_a_box_in_one_hemisphere_is_one_longitude_range() -> None:
    box = bounding_box(30.2672, -97.7431, 10)
    assert len(box.lon_ranges) == 1
    ((low, high),) = box.lon_ranges
    assert low < -97.7431 < high and box.lat_min < 30.2672 < box.lat_max
    # 10 km is about 0.09 degrees of latitude, and more of longitude at 30 degrees north.
    assert box.lat_max - 30.2672 == pytest.approx(0.0899, abs=1e-3)
    assert high - (-97.7431) == pytest.approx(0.1038, abs=1e-3)


@pytest.mark.parametrize("lon", [179.9, -179.9])
def test_a_box_across_the_antimeridian_is_two_longitude_ranges(lon: float) -> None:
    box = bounding_box(-16.5, lon, 30)
    assert len(box.lon_ranges) == 2
    assert box.contains(-16.5, 179.99) and box.contains(-16.5, -179.99)
    assert box.contains(-16.5, 180.0) and box.contains(-16.5, -180.0)
    assert not box.contains(-16.5, 178.0) and not box.contains(-16.5, -178.0)
    assert not box.contains(-16.5, 0.0)


@pytest.mark.parametrize(("lat", "radius_km"), [(89.95, 50), (-89.5, 60), (90.0, 1), (-90.0, 1)])
def test_a_box_holding_a_pole_spans_every_longitude(lat: float, radius_km: float) -> None:
    box = bounding_box(lat, 60.0, radius_km)
    assert box.lon_ranges == FULL_CIRCLE and box.every_longitude
    assert (box.lat_max == 90.0) if lat > 0 else (box.lat_min == -90.0)
    assert box.contains(89.995 if lat > 0 else -89.995, -120.0)


def test_a_box_near_but_clear_of_a_pole_is_wide_but_not_everything() -> None:
    box = bounding_box(85.0, 10.0, 100)
    assert not box.every_longitude and box.lat_max < 90.0
    ((low, high),) = box.lon_ranges
    assert high - low > 20  # meridians converge: 100 km is many degrees up here
    assert not box.contains(85.0, -170.0)


def test_longitudes_are_normalized() -> None:
    assert normalize_longitude(180.0) == -180.0
    assert normalize_longitude(-181.0) == 179.0
    assert normalize_longitude(540.0) == -180.0


centres = st.tuples(
    st.floats(min_value=-90, max_value=90, allow_nan=False),
    st.floats(min_value=-180, max_value=180, allow_nan=False),
)


@settings(max_examples=500, deadline=None)
@given(
    centre=centres,
    radius_km=st.floats(min_value=0.001, max_value=5000, allow_nan=False),
    bearing=st.floats(min_value=0, max_value=360, allow_nan=False),
    fraction=st.floats(min_value=0, max_value=1, allow_nan=False),
)
def test_every_point_within_the_radius_lies_in_the_box(
    centre: tuple[float, float], radius_km: float, bearing: float, fraction: float
) -> None:
    lat, lon = centre
    point = destination(lat, lon, bearing, radius_km * fraction)
    if haversine_km(lat, lon, *point) > radius_km:
        return  # rounding carried it past the circle; nothing to hold
    assert bounding_box(lat, lon, radius_km).contains(*point)


@settings(max_examples=300, deadline=None)
@given(
    centre=centres,
    radius_km=st.floats(min_value=0.001, max_value=5000, allow_nan=False),
    point=centres,
)
def test_any_point_the_box_leaves_out_is_beyond_the_radius(
    centre: tuple[float, float], radius_km: float, point: tuple[float, float]
) -> None:
    box = bounding_box(*centre, radius_km)
    if not box.contains(*point):
        assert haversine_km(*centre, *point) > radius_km
