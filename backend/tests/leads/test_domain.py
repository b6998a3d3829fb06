"""The lead score: deterministic, bounded, explained, and moved by each factor as documented."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from reos.leads.scoring import (
    FACTOR_NAMES,
    MODEL_VERSION,
    WEIGHTS,
    LeadSnapshot,
    ScoreResult,
    score_lead,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

# A lead with nothing going for it: every factor at zero.
BARE = LeadSnapshot(
    status="new",
    has_email=False,
    has_phone=False,
    has_property=False,
    budget_min=None,
    budget_max=None,
    source_quality=None,
    activities_30d={},
    activities_90d={},
    last_contacted_at=None,
)


def points(result: ScoreResult, factor: str) -> int:
    return result.factors[factor].points


def test_the_maxima_add_up_to_100() -> None:
    maxima = [
        WEIGHTS.engagement_max,
        WEIGHTS.recency_max,
        WEIGHTS.budget_fit_max,
        WEIGHTS.source_quality_max,
        WEIGHTS.completeness_max,
    ]
    assert sum(maxima) == 100
    assert sum(f.max for f in score_lead(BARE, now=NOW).factors.values()) == 100


def test_a_bare_lead_scores_zero_and_says_why() -> None:
    result = score_lead(BARE, now=NOW)
    assert result.score == 0
    assert tuple(result.factors) == FACTOR_NAMES
    assert result.model_version == MODEL_VERSION
    assert result.reason_codes == (
        "no_activity_90d",
        "never_contacted",
        "missing_budget",
        "unknown_source",
        "missing_email",
        "missing_phone",
        "no_property_interest",
    )


def test_the_same_inputs_give_the_same_result() -> None:
    lead = replace(
        BARE,
        has_email=True,
        activities_30d={"call": 2},
        activities_90d={"call": 3},
        last_contacted_at=NOW - timedelta(days=3),
        source_quality=Decimal("1.25"),
    )
    first = score_lead(lead, now=NOW)
    assert all(score_lead(lead, now=NOW) == first for _ in range(5))
    assert first.factors_dict() == score_lead(lead, now=NOW).factors_dict()


def test_engagement_counts_recent_activities_fully_and_older_ones_by_half() -> None:
    recent = score_lead(
        replace(BARE, activities_30d={"call": 2}, activities_90d={"call": 2}), now=NOW
    )
    assert points(recent, "engagement") == 2 * WEIGHTS.activity_points["call"]
    assert "engaged_30d" in recent.reason_codes and "no_activity_90d" not in recent.reason_codes
    older = score_lead(replace(BARE, activities_90d={"call": 2}), now=NOW)
    assert points(older, "engagement") == WEIGHTS.activity_points["call"]  # 2 x 3 x 0.5
    assert "engaged_30d" not in older.reason_codes


def test_showings_weigh_more_than_emails_and_notes_nothing() -> None:
    def engagement(kind: str) -> int:
        lead = replace(BARE, activities_30d={kind: 1}, activities_90d={kind: 1})
        return points(score_lead(lead, now=NOW), "engagement")

    assert engagement("showing") > engagement("meeting") > engagement("call") > engagement("email")
    assert engagement("note") == 0
    shown = score_lead(
        replace(BARE, activities_30d={"showing": 1}, activities_90d={"showing": 1}), now=NOW
    )
    assert "showing_30d" in shown.reason_codes


def test_engagement_is_capped() -> None:
    busy = replace(BARE, activities_30d={"showing": 50}, activities_90d={"showing": 50})
    assert points(score_lead(busy, now=NOW), "engagement") == WEIGHTS.engagement_max


@pytest.mark.parametrize(
    ("status", "expected"), [("new", 0), ("contacted", 3), ("qualified", 8), ("converted", 10)]
)
def test_status_adds_to_engagement(status: str, expected: int) -> None:
    result = score_lead(replace(BARE, status=status), now=NOW)
    assert points(result, "engagement") == expected


@pytest.mark.parametrize(
    ("days_ago", "expected", "reason"),
    [
        (0, 25, "recent_contact"),
        (7, 25, "recent_contact"),
        (8, 15, None),
        (30, 15, None),
        (31, 5, None),
        (90, 5, None),
        (91, 0, "stale_contact"),
    ],
)
def test_recency_falls_in_tiers(days_ago: int, expected: int, reason: str | None) -> None:
    lead = replace(BARE, last_contacted_at=NOW - timedelta(days=days_ago, hours=1))
    result = score_lead(lead, now=NOW)
    assert points(result, "recency") == expected
    if reason:
        assert reason in result.reason_codes


def test_recency_reads_naive_times_as_utc_and_a_future_contact_as_today() -> None:
    naive = replace(BARE, last_contacted_at=datetime(2025, 5, 30, 12, 0))
    assert points(score_lead(naive, now=NOW), "recency") == 25
    ahead = replace(BARE, last_contacted_at=NOW + timedelta(seconds=30))
    assert points(score_lead(ahead, now=NOW), "recency") == 25


def test_recency_depends_on_the_now_passed_in() -> None:
    lead = replace(BARE, last_contacted_at=NOW - timedelta(days=5))
    assert points(score_lead(lead, now=NOW), "recency") == 25
    assert points(score_lead(lead, now=NOW + timedelta(days=60)), "recency") == 5


@pytest.mark.parametrize(
    ("low", "high", "expected", "reason"),
    [
        (Decimal(100_000), Decimal(200_000), 15, "budget_provided"),
        (None, Decimal(200_000), 8, "budget_partial"),
        (Decimal(100_000), None, 8, "budget_partial"),
        (Decimal(0), Decimal(0), 0, "missing_budget"),
        (None, None, 0, "missing_budget"),
    ],
)
def test_budget_fit(low: Decimal | None, high: Decimal | None, expected: int, reason: str) -> None:
    result = score_lead(replace(BARE, budget_min=low, budget_max=high), now=NOW)
    assert points(result, "budget_fit") == expected
    assert reason in result.reason_codes


@pytest.mark.parametrize(
    ("weight", "expected", "reason"),
    [
        ("2.00", 10, "high_quality_source"),
        ("5.00", 10, "high_quality_source"),  # capped at the ceiling
        ("1.50", 8, "high_quality_source"),
        ("1.00", 5, None),
        ("0.50", 3, "low_quality_source"),
        ("0.00", 0, "low_quality_source"),
    ],
)
def test_source_quality_scales_the_sources_weight(
    weight: str, expected: int, reason: str | None
) -> None:
    result = score_lead(replace(BARE, source_quality=Decimal(weight)), now=NOW)
    assert points(result, "source_quality") == expected
    assert "unknown_source" not in result.reason_codes
    if reason:
        assert reason in result.reason_codes
    else:
        assert not {"high_quality_source", "low_quality_source"} & set(result.reason_codes)


def test_completeness_rewards_each_way_to_reach_the_lead() -> None:
    full = score_lead(replace(BARE, has_email=True, has_phone=True, has_property=True), now=NOW)
    assert points(full, "completeness") == WEIGHTS.completeness_max
    assert not {"missing_email", "missing_phone", "no_property_interest"} & set(full.reason_codes)
    no_phone = score_lead(replace(BARE, has_email=True, has_property=True), now=NOW)
    assert points(no_phone, "completeness") == WEIGHTS.completeness_max - WEIGHTS.phone_points
    assert "missing_phone" in no_phone.reason_codes


def test_a_strong_lead_is_explained_by_the_sum_of_its_factors() -> None:
    strong = LeadSnapshot(
        status="qualified",
        has_email=True,
        has_phone=True,
        has_property=True,
        budget_min=Decimal(300_000),
        budget_max=Decimal(450_000),
        source_quality=Decimal("1.80"),
        activities_30d={"showing": 1, "call": 2},
        activities_90d={"showing": 1, "call": 4, "email": 2},
        last_contacted_at=NOW - timedelta(days=2),
    )
    result = score_lead(strong, now=NOW)
    # engagement 8 + 6 + 3 (older calls) + 2 (older emails) + 8 (qualified) = 27
    assert [points(result, f) for f in FACTOR_NAMES] == [27, 25, 15, 9, 15]
    assert result.score == 91 == sum(f.points for f in result.factors.values())
    assert result.reason_codes == (
        "engaged_30d",
        "showing_30d",
        "status_qualified",
        "recent_contact",
        "budget_provided",
        "high_quality_source",
    )
    assert result.factors_dict()["engagement"] == {"points": 27, "max": 35}


def test_a_lost_lead_is_capped_whatever_its_history() -> None:
    strong = replace(
        BARE,
        status="lost",
        has_email=True,
        has_phone=True,
        budget_min=Decimal(1),
        budget_max=Decimal(2),
        last_contacted_at=NOW,
    )
    result = score_lead(strong, now=NOW)
    assert result.score == WEIGHTS.lost_score_cap
    assert result.reason_codes[-1] == "status_lost"


def test_other_weights_give_another_score() -> None:
    lead = replace(BARE, has_email=True)
    heavier = replace(WEIGHTS, email_points=12)
    assert score_lead(lead, now=NOW).score == 6
    assert score_lead(lead, now=NOW, weights=heavier).score == 12
