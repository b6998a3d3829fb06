"""Explainable lead scoring: a pure function of a lead snapshot and an explicit `now`.

Every weight lives in `WEIGHTS`, so a change of the model is one reviewed diff here plus a new
`MODEL_VERSION`; stored scores keep the version they were computed with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

MODEL_VERSION = "rules-v1"

FACTOR_NAMES = ("engagement", "recency", "budget_fit", "source_quality", "completeness")


def _frozen(values: dict[str, int]) -> Mapping[str, int]:
    return MappingProxyType(values)


@dataclass(frozen=True)
class ScoringWeights:
    """The whole model. The five maxima add up to 100."""

    # engagement: activities weigh by how much intent they show; older ones count for less.
    engagement_max: int = 35
    activity_points: Mapping[str, int] = field(
        default_factory=lambda: _frozen(
            {"call": 3, "email": 2, "sms": 2, "meeting": 6, "showing": 8, "note": 0}
        )
    )
    older_activity_factor: Decimal = Decimal("0.5")  # for days 31 to 90
    status_points: Mapping[str, int] = field(
        default_factory=lambda: _frozen(
            {"new": 0, "contacted": 3, "qualified": 8, "converted": 10, "lost": 0}
        )
    )
    # recency: (at most this many days since the last contact, points), first match wins.
    recency_max: int = 25
    recency_tiers: tuple[tuple[int, int], ...] = ((7, 25), (30, 15), (90, 5))
    # budget_fit: a stated budget is the best single sign that a lead can transact.
    budget_fit_max: int = 15
    budget_partial_points: int = 8
    # source_quality: LeadSource.quality_weight (1.00 is an average source) scaled onto the max.
    source_quality_max: int = 10
    source_weight_ceiling: Decimal = Decimal("2.00")
    high_quality_source_weight: Decimal = Decimal("1.50")
    low_quality_source_weight: Decimal = Decimal("0.75")
    # completeness: what outreach needs to reach the lead and talk about a property.
    completeness_max: int = 15
    email_points: int = 6
    phone_points: int = 6
    property_points: int = 3
    # A lost lead stays low whatever its history, so it drops out of work queues.
    lost_score_cap: int = 10


WEIGHTS = ScoringWeights()


@dataclass(frozen=True)
class LeadSnapshot:
    """What the model reads about one lead, taken at one moment."""

    status: str
    has_email: bool
    has_phone: bool
    has_property: bool
    budget_min: Decimal | None
    budget_max: Decimal | None
    source_quality: Decimal | None  # None: the lead has no known source
    activities_30d: Mapping[str, int]  # count per activity type, last 30 days
    activities_90d: Mapping[str, int]  # count per activity type, last 90 days (includes 30d)
    last_contacted_at: datetime | None


@dataclass(frozen=True)
class Factor:
    points: int
    max: int


@dataclass(frozen=True)
class ScoreResult:
    score: int
    factors: Mapping[str, Factor]
    reason_codes: tuple[str, ...]
    model_version: str = MODEL_VERSION

    def factors_dict(self) -> dict[str, dict[str, int]]:
        return {name: {"points": f.points, "max": f.max} for name, f in self.factors.items()}


def _round(value: Decimal) -> int:
    # Half up, not banker's rounding: the same inputs always land on the same integer.
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _engagement(s: LeadSnapshot, w: ScoringWeights, reasons: list[str]) -> Factor:
    points = Decimal(0)
    for activity_type, per_activity in w.activity_points.items():
        recent = s.activities_30d.get(activity_type, 0)
        older = max(0, s.activities_90d.get(activity_type, 0) - recent)
        points += per_activity * recent + per_activity * older * w.older_activity_factor
    points += w.status_points.get(s.status, 0)
    if sum(s.activities_90d.values()) == 0:
        reasons.append("no_activity_90d")
    elif any(s.activities_30d.get(t, 0) for t, p in w.activity_points.items() if p > 0):
        reasons.append("engaged_30d")
    if s.activities_30d.get("showing", 0):
        reasons.append("showing_30d")
    if s.status in ("qualified", "converted"):
        reasons.append(f"status_{s.status}")
    return Factor(min(w.engagement_max, _round(points)), w.engagement_max)


def _recency(s: LeadSnapshot, now: datetime, w: ScoringWeights, reasons: list[str]) -> Factor:
    if s.last_contacted_at is None:
        reasons.append("never_contacted")
        return Factor(0, w.recency_max)
    last = s.last_contacted_at
    last = last if last.tzinfo else last.replace(tzinfo=UTC)
    days = max(0, (now - last).days)
    for tier, (limit, points) in enumerate(w.recency_tiers):
        if days <= limit:
            if tier == 0:
                reasons.append("recent_contact")
            return Factor(min(points, w.recency_max), w.recency_max)
    reasons.append("stale_contact")
    return Factor(0, w.recency_max)


def _budget_fit(s: LeadSnapshot, w: ScoringWeights, reasons: list[str]) -> Factor:
    stated = [b for b in (s.budget_min, s.budget_max) if b is not None and b > 0]
    if len(stated) == 2:
        reasons.append("budget_provided")
        return Factor(w.budget_fit_max, w.budget_fit_max)
    if stated:
        reasons.append("budget_partial")
        return Factor(w.budget_partial_points, w.budget_fit_max)
    reasons.append("missing_budget")
    return Factor(0, w.budget_fit_max)


def _source_quality(s: LeadSnapshot, w: ScoringWeights, reasons: list[str]) -> Factor:
    if s.source_quality is None:
        reasons.append("unknown_source")
        return Factor(0, w.source_quality_max)
    weight = min(max(s.source_quality, Decimal(0)), w.source_weight_ceiling)
    if weight >= w.high_quality_source_weight:
        reasons.append("high_quality_source")
    elif weight < w.low_quality_source_weight:
        reasons.append("low_quality_source")
    points = _round(weight / w.source_weight_ceiling * w.source_quality_max)
    return Factor(points, w.source_quality_max)


def _completeness(s: LeadSnapshot, w: ScoringWeights, reasons: list[str]) -> Factor:
    points = 0
    for present, value, missing_code in (
        (s.has_email, w.email_points, "missing_email"),
        (s.has_phone, w.phone_points, "missing_phone"),
        (s.has_property, w.property_points, "no_property_interest"),
    ):
        if present:
            points += value
        else:
            reasons.append(missing_code)
    return Factor(min(points, w.completeness_max), w.completeness_max)


def score_lead(
    snapshot: LeadSnapshot, *, now: datetime, weights: ScoringWeights = WEIGHTS
) -> ScoreResult:
    """Score a lead from 0 to 100 with the points of each factor and the reasons behind them."""
    reasons: list[str] = []
    factors = {
        "engagement": _engagement(snapshot, weights, reasons),
        "recency": _recency(snapshot, now, weights, reasons),
        "budget_fit": _budget_fit(snapshot, weights, reasons),
        "source_quality": _source_quality(snapshot, weights, reasons),
        "completeness": _completeness(snapshot, weights, reasons),
    }
    score = sum(f.points for f in factors.values())
    if snapshot.status == "lost":
        reasons.append("status_lost")
        score = min(score, weights.lost_score_cap)
    return ScoreResult(
        score=max(0, min(100, score)),
        factors=MappingProxyType(factors),
        reason_codes=tuple(reasons),
    )
