"""The valuation rule: each adjustment, the weighting, the fallbacks, and determinism."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from reos.properties import valuation as v
from reos.properties.valuation import Comparable, Subject, adjustments, inputs_hash, value_property

SUBJECT = Subject(
    property_type="single_family",
    square_feet=2_000,
    bedrooms=3,
    bathrooms=2.0,
    year_built=2000,
    latitude=30.0,
    longitude=-97.0,
    list_price=450_000.0,
)


def comp(ref: str = "a", **overrides: object) -> Comparable:
    fields: dict[str, object] = {
        "source": "organization",
        "ref": ref,
        "price": 400_000.0,
        "square_feet": 2_000,
        "bedrooms": 3,
        "bathrooms": 2.0,
        "year_built": 2000,
        "distance_km": 0.5,
    }
    fields.update(overrides)
    return Comparable(**fields)  # type: ignore[arg-type]


def test_an_identical_comparable_needs_no_adjustment() -> None:
    assert adjustments(SUBJECT, comp()) == {"size": 0, "bedrooms": 0, "bathrooms": 0, "age": 0}


def test_size_is_adjusted_at_a_share_of_the_comparables_price_per_sqft() -> None:
    smaller = comp(square_feet=1_600)  # $250/sqft, 400 sqft smaller
    assert adjustments(SUBJECT, smaller)["size"] == 400 * 250 * v.SIZE_MARGINAL_SHARE


def test_rooms_and_age_are_adjusted_by_the_constants() -> None:
    different = comp(bedrooms=4, bathrooms=1.5, year_built=1990)
    adjusted = adjustments(SUBJECT, different)
    assert adjusted["bedrooms"] == -v.BEDROOM_VALUE_USD
    assert adjusted["bathrooms"] == 0.5 * v.BATHROOM_VALUE_USD
    assert adjusted["age"] == 10 * 400_000 * v.AGE_SHARE_PER_YEAR
    # Age differences are capped.
    ancient = adjustments(SUBJECT, comp(year_built=1800))["age"]
    assert ancient == v.AGE_CAP_YEARS * 400_000 * v.AGE_SHARE_PER_YEAR


def test_unknown_facts_are_not_adjusted() -> None:
    bare = comp(square_feet=None, bedrooms=None, bathrooms=None, year_built=None)
    assert adjustments(SUBJECT, bare) == {}
    result = value_property(replace(SUBJECT, square_feet=None), [comp()])
    assert "subject_size_unknown" in result.reason_codes


def test_value_is_the_weighted_mean_of_adjusted_prices() -> None:
    near = comp("near", price=400_000.0, distance_km=0.0)
    far = comp("far", price=500_000.0, distance_km=3.0)
    result = value_property(SUBJECT, [near, far])
    # Weights 1/(1+0) and 1/(1+3): the near comparable counts four times as much.
    assert result.value == Decimal("420000.00")
    assert [c.ref for c in result.comparables] == ["near", "far"]
    assert [c.weight for c in result.comparables] == [1.0, 0.25]
    assert result.low <= result.value <= result.high
    assert result.method == v.METHOD_COMPARABLES


def test_adjusted_values_are_what_the_average_uses() -> None:
    result = value_property(SUBJECT, [comp(bedrooms=2)])
    (used,) = result.comparables
    assert used.adjusted_value == 400_000 + v.BEDROOM_VALUE_USD
    assert result.value == Decimal("410000.00")
    assert result.reason_codes == ("bedroom_adjustment", "few_comparables")


def test_same_inputs_in_any_order_give_the_same_output() -> None:
    comps = [comp(str(i), price=380_000.0 + 7_000 * i, distance_km=0.3 * i) for i in range(8)]
    first = value_property(SUBJECT, comps)
    again = value_property(SUBJECT, list(reversed(comps)))
    assert first == again
    assert first.inputs_hash == inputs_hash(SUBJECT, comps) and len(first.inputs_hash) == 64
    assert value_property(SUBJECT, comps[:-1]).inputs_hash != first.inputs_hash
    moved = replace(SUBJECT, bedrooms=4)
    assert value_property(moved, comps).inputs_hash != first.inputs_hash


def test_confidence_grows_with_agreeing_comparables() -> None:
    one = value_property(SUBJECT, [comp()])
    many = value_property(SUBJECT, [comp(str(i), distance_km=0.1 * i) for i in range(6)])
    assert one.confidence <= Decimal(str(v.FEW_COMPARABLES_MAX_CONFIDENCE))
    assert "few_comparables" in one.reason_codes
    assert many.confidence == Decimal("1.000")
    scattered = [comp(str(i), price=200_000.0 + 150_000 * i) for i in range(6)]
    spread = value_property(SUBJECT, scattered)
    assert spread.confidence < many.confidence
    assert "wide_range" in spread.reason_codes
    assert spread.high - spread.low > many.high - many.low


def test_far_or_too_different_comparables_are_excluded() -> None:
    too_far = comp("far", distance_km=v.MAX_DISTANCE_KM + 1)
    too_different = comp("mansion", square_feet=8_000, bedrooms=10)
    result = value_property(SUBJECT, [comp(), too_far, too_different])
    assert [c.ref for c in result.comparables] == ["a"]
    assert "comparables_excluded" in result.reason_codes


def test_at_most_max_comparables_nearest_first() -> None:
    comps = [comp(f"c{i:02}", distance_km=0.1 * i) for i in range(v.MAX_COMPARABLES + 5)]
    result = value_property(SUBJECT, comps)
    assert [c.ref for c in result.comparables] == [f"c{i:02}" for i in range(v.MAX_COMPARABLES)]


def test_no_comparable_falls_back_to_the_list_price() -> None:
    result = value_property(SUBJECT, [comp(price=0.0)], notes=["provider_unavailable"])
    assert result.method == v.METHOD_LIST_PRICE
    assert result.value == Decimal("450000.00")
    assert (result.low, result.high) == (Decimal("382500.00"), Decimal("517500.00"))
    assert result.confidence == Decimal("0.100")
    assert result.reason_codes == (
        "comparables_excluded",
        "no_comparables_used_list_price",
        "provider_unavailable",
    )
    with pytest.raises(v.InsufficientData):
        value_property(replace(SUBJECT, list_price=None), [])


def test_comparables_serialize_for_storage() -> None:
    (stored,) = value_property(SUBJECT, [comp(bathrooms=1.0)]).comparables_json()
    assert stored["adjustments"]["bathrooms"] == v.BATHROOM_VALUE_USD
    assert set(stored) == {
        "source",
        "ref",
        "price",
        "distance_km",
        "adjustments",
        "adjusted_value",
        "weight",
    }
