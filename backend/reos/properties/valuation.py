"""The valuation rule, as a pure function: a subject and its comparables in, a value out.

Each comparable's sale price is adjusted to what it would have sold for had it been the
subject (size, bedrooms, bathrooms, age), then the adjusted prices are averaged with weights
that favour near and similar comparables. The same inputs, in any order, always give the same
output, and `inputs_hash` identifies those inputs.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# --- the rule's constants, all in one place ----------------------------------------------------
MODEL_VERSION = "comps-v1"  # part of inputs_hash: a rule change must not reuse old hashes
# A marginal square foot is worth less than the average one (land and kitchen are shared).
SIZE_MARGINAL_SHARE = 0.5
BEDROOM_VALUE_USD = 10_000.0
BATHROOM_VALUE_USD = 7_500.0
AGE_SHARE_PER_YEAR = 0.002  # of the comparable's price, per year newer
AGE_CAP_YEARS = 30  # beyond this, age says little more
# A comparable needing more than this share of its price in gross adjustments is not comparable.
MAX_GROSS_ADJUSTMENT_SHARE = 0.5
MAX_COMPARABLES = 10
MAX_DISTANCE_KM = 5.0
UNKNOWN_DISTANCE_KM = 2.0  # same ZIP code but no coordinates: assume a typical neighbour
DISTANCE_SCALE_KM = 1.0  # weight halves at this distance
SIMILARITY_PENALTY = 4.0  # weight divisor per unit of gross adjustment share
FEW_COMPARABLES = 3
FULL_CONFIDENCE_COMPARABLES = 6
DISPERSION_FOR_ZERO_CONFIDENCE = 0.25  # coefficient of variation at which spread confidence is 0
MIN_RANGE_SHARE = 0.05  # the low..high range is never narrower than ±5 %
LIST_PRICE_RANGE_SHARE = 0.15
LIST_PRICE_CONFIDENCE = 0.1
FEW_COMPARABLES_MAX_CONFIDENCE = 0.5

METHOD_COMPARABLES = "comparable_sales"
METHOD_LIST_PRICE = "list_price"
ADJUSTMENT_REASONS = {
    "size": "size_adjustment",
    "bedrooms": "bedroom_adjustment",
    "bathrooms": "bathroom_adjustment",
    "age": "age_adjustment",
}
# Reason codes, in the order they are reported.
REASON_CODES = (
    "size_adjustment",
    "bedroom_adjustment",
    "bathroom_adjustment",
    "age_adjustment",
    "subject_size_unknown",
    "comparables_excluded",
    "few_comparables",
    "wide_range",
    "no_comparables_used_list_price",
    # Noted by the caller about how comparables were gathered:
    "no_coordinates",
    "provider_unavailable",
)


class InsufficientData(ValueError):
    """No usable comparable and no list price to fall back on."""


@dataclass(frozen=True)
class Subject:
    property_type: str
    square_feet: int | None = None
    bedrooms: int | None = None
    bathrooms: float | None = None
    year_built: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    list_price: float | None = None


@dataclass(frozen=True)
class Comparable:
    source: str  # "organization", or the data provider's name
    ref: str  # the property id, or the provider's APN
    price: float  # sale price, or list price for the organization's own properties
    square_feet: int | None = None
    bedrooms: int | None = None
    bathrooms: float | None = None
    year_built: int | None = None
    distance_km: float | None = None  # None: same ZIP code, no coordinates


@dataclass(frozen=True)
class AdjustedComparable:
    source: str
    ref: str
    price: float
    distance_km: float | None
    adjustments: dict[str, float]
    adjusted_value: float
    weight: float


@dataclass(frozen=True)
class Valuation:
    value: Decimal
    low: Decimal
    high: Decimal
    confidence: Decimal
    method: str
    comparables: tuple[AdjustedComparable, ...]
    reason_codes: tuple[str, ...]
    inputs_hash: str = field(default="")

    def comparables_json(self) -> list[dict[str, Any]]:
        return [asdict(c) for c in self.comparables]


def _canonical(comparables: Sequence[Comparable]) -> list[Comparable]:
    """Input order must not matter: nearest first, then by source and reference."""
    return sorted(
        comparables,
        key=lambda c: (
            UNKNOWN_DISTANCE_KM if c.distance_km is None else c.distance_km,
            c.source,
            c.ref,
            c.price,
        ),
    )


def inputs_hash(subject: Subject, comparables: Sequence[Comparable]) -> str:
    """sha256 of the canonical JSON of everything the value depends on."""
    document = {
        "model": MODEL_VERSION,
        "subject": asdict(subject),
        "comparables": [asdict(c) for c in _canonical(comparables)],
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def adjustments(subject: Subject, comp: Comparable) -> dict[str, float]:
    """What to add to the comparable's price for each way the subject differs from it."""
    result: dict[str, float] = {}
    if subject.square_feet and comp.square_feet:
        price_per_sqft = comp.price / comp.square_feet
        result["size"] = (
            (subject.square_feet - comp.square_feet) * price_per_sqft * SIZE_MARGINAL_SHARE
        )
    if subject.bedrooms is not None and comp.bedrooms is not None:
        result["bedrooms"] = (subject.bedrooms - comp.bedrooms) * BEDROOM_VALUE_USD
    if subject.bathrooms is not None and comp.bathrooms is not None:
        result["bathrooms"] = (subject.bathrooms - comp.bathrooms) * BATHROOM_VALUE_USD
    if subject.year_built and comp.year_built:
        years = max(-AGE_CAP_YEARS, min(AGE_CAP_YEARS, subject.year_built - comp.year_built))
        result["age"] = years * comp.price * AGE_SHARE_PER_YEAR
    return {name: round(amount, 2) for name, amount in result.items()}


def _weight(distance_km: float | None, gross_share: float) -> float:
    distance = UNKNOWN_DISTANCE_KM if distance_km is None else distance_km
    return 1.0 / (1.0 + distance / DISTANCE_SCALE_KM) / (1.0 + SIMILARITY_PENALTY * gross_share)


def _money(amount: float) -> Decimal:
    return Decimal(str(round(amount))).quantize(Decimal("0.01"))


def _ratio(amount: float) -> Decimal:
    return Decimal(str(amount)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def _ordered(reasons: set[str]) -> tuple[str, ...]:
    return tuple(code for code in REASON_CODES if code in reasons)


def value_property(
    subject: Subject, comparables: Sequence[Comparable], notes: Iterable[str] = ()
) -> Valuation:
    """Value the subject from its comparables (or its list price when none is usable).

    `notes` are reason codes the caller observed while gathering comparables.
    """
    digest = inputs_hash(subject, comparables)
    reasons: set[str] = set(notes)
    if not subject.square_feet:
        reasons.add("subject_size_unknown")
    used: list[AdjustedComparable] = []
    for comp in _canonical(comparables):
        if len(used) >= MAX_COMPARABLES:
            break
        too_far = comp.distance_km is not None and comp.distance_km > MAX_DISTANCE_KM
        if comp.price <= 0 or too_far:
            reasons.add("comparables_excluded")
            continue
        adjusted = adjustments(subject, comp)
        gross_share = sum(abs(a) for a in adjusted.values()) / comp.price
        if gross_share > MAX_GROSS_ADJUSTMENT_SHARE:
            reasons.add("comparables_excluded")
            continue
        reasons.update(ADJUSTMENT_REASONS[name] for name, amount in adjusted.items() if amount)
        used.append(
            AdjustedComparable(
                source=comp.source,
                ref=comp.ref,
                price=comp.price,
                distance_km=comp.distance_km,
                adjustments=adjusted,
                adjusted_value=round(comp.price + sum(adjusted.values()), 2),
                weight=round(_weight(comp.distance_km, gross_share), 6),
            )
        )
    if not used:
        return _from_list_price(subject, digest, reasons)

    total_weight = sum(c.weight for c in used)
    value = sum(c.adjusted_value * c.weight for c in used) / total_weight
    variance = sum(c.weight * (c.adjusted_value - value) ** 2 for c in used) / total_weight
    dispersion = math.sqrt(variance) / value if value > 0 else 1.0
    half_range = max(math.sqrt(variance), value * MIN_RANGE_SHARE)
    count_score = min(len(used), FULL_CONFIDENCE_COMPARABLES) / FULL_CONFIDENCE_COMPARABLES
    spread_score = max(0.0, 1.0 - dispersion / DISPERSION_FOR_ZERO_CONFIDENCE)
    confidence = 0.6 * count_score + 0.4 * spread_score
    if len(used) < FEW_COMPARABLES:
        reasons.add("few_comparables")
        confidence = min(confidence, FEW_COMPARABLES_MAX_CONFIDENCE)
    if spread_score == 0.0:
        reasons.add("wide_range")
    return Valuation(
        value=_money(value),
        low=_money(max(0.0, value - half_range)),
        high=_money(value + half_range),
        confidence=_ratio(max(0.0, min(1.0, confidence))),
        method=METHOD_COMPARABLES,
        comparables=tuple(used),
        reason_codes=_ordered(reasons),
        inputs_hash=digest,
    )


def _from_list_price(subject: Subject, digest: str, reasons: set[str]) -> Valuation:
    if subject.list_price is None:
        raise InsufficientData("no usable comparable and no list price")
    price = subject.list_price
    return Valuation(
        value=_money(price),
        low=_money(price * (1 - LIST_PRICE_RANGE_SHARE)),
        high=_money(price * (1 + LIST_PRICE_RANGE_SHARE)),
        confidence=_ratio(LIST_PRICE_CONFIDENCE),
        method=METHOD_LIST_PRICE,
        comparables=(),
        reason_codes=_ordered(reasons | {"no_comparables_used_list_price"}),
        inputs_hash=digest,
    )
