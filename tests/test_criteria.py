"""Tests of criteria judgement and the run verdict."""

from __future__ import annotations

import pytest

from auditkit.criteria import judge, verdict_of
from auditkit.spec import Criterion

METRICS = {
    "joint": {
        "flip_rate": {
            "value": 0.02,
            "low": 0.005,
            "high": 0.04,
            "count": 2,
            "total": 100,
        },
        "score_gap_mean": 0.05,
        "score_gap_max": 0.3,
    },
    "gender": {
        "flip_rate": {"value": 0.5, "low": 0.4, "high": 0.6, "count": 50, "total": 100},
        "demographic_parity_difference": 0.1,
        "demographic_parity_ratio": None,
        "groups": {
            "Male": {
                "selection_rate": 0.5,
                "low": 0.45,
                "high": 0.55,
                "mean_score": 0.5,
            },
        },
    },
}


@pytest.mark.parametrize(
    ("criterion", "status"),
    [
        ({"metric": "flip_rate", "max": 0.05}, "pass"),  # whole interval below
        ({"metric": "flip_rate", "max": 0.001}, "fail"),  # whole interval above
        ({"metric": "flip_rate", "max": 0.01}, "inconclusive"),  # straddles
        ({"metric": "flip_rate", "max": 0.01, "bound": "point"}, "fail"),
        ({"metric": "flip_rate", "max": 0.03, "bound": "point"}, "pass"),
        (
            {"metric": "flip_rate", "attribute": "gender", "min": 0.3, "max": 0.7},
            "pass",
        ),
        ({"metric": "score_gap_max", "max": 0.2}, "fail"),
        ({"metric": "score_gap_mean", "max": 0.05}, "pass"),
        (
            {"metric": "demographic_parity_ratio", "attribute": "gender", "min": 0.8},
            "inconclusive",
        ),
        (
            {
                "metric": "selection_rate",
                "attribute": "gender",
                "group": "Male",
                "min": 0.5,
            },
            "inconclusive",
        ),
        (
            {
                "metric": "mean_score",
                "attribute": "gender",
                "group": "Male",
                "min": 0.5,
            },
            "pass",
        ),
    ],
)
def test_criterion_status(criterion, status):
    """Check the three-state judgement of each kind of figure."""
    assert judge(Criterion(**criterion), METRICS).status == status


def test_undefined_figure_is_reported_not_capped():
    """Check that an undefined ratio is inconclusive and says why."""
    judgement = judge(
        Criterion(metric="demographic_parity_ratio", attribute="gender", min=0.8),
        METRICS,
    )
    assert judgement.value is None
    assert "undefined" in judgement.message


@pytest.mark.parametrize(
    ("statuses", "verdict"),
    [
        ([("pass", "error"), ("fail", "warning")], "pass"),
        ([("pass", "error"), ("inconclusive", "error")], "inconclusive"),
        ([("fail", "error"), ("inconclusive", "error")], "fail"),
        ([("inconclusive", "warning")], "pass"),
        ([], "pass"),
    ],
)
def test_verdict_of(statuses, verdict):
    """Check that only error criteria decide the run's verdict."""
    thresholds = {"pass": 0.05, "fail": 0.001, "inconclusive": 0.01}
    judgements = [
        judge(Criterion(metric="flip_rate", max=thresholds[s], severity=sev), METRICS)
        for s, sev in statuses
    ]
    assert [j.status for j in judgements] == [s for s, _ in statuses]
    assert verdict_of(judgements) == verdict


@pytest.mark.parametrize(
    ("criterion", "match"),
    [
        ({"metric": "flip_rate"}, r"give `min`, `max` or both"),
        ({"metric": "flip_rate", "min": 0.5, "max": 0.1}, r"min \(0\.5\) is above max"),
        (
            {"metric": "demographic_parity_ratio", "min": 0.8},
            r"per attribute; add `attribute`",
        ),
        (
            {"metric": "selection_rate", "attribute": "g", "min": 0.1},
            r"per group; add `group`",
        ),
        (
            {"metric": "score_gap_max", "attribute": "g", "max": 0.1},
            r"is joint; remove",
        ),
    ],
)
def test_invalid_criteria_are_rejected(criterion, match):
    """Check that malformed criteria fail validation with a fix in the message."""
    with pytest.raises(ValueError, match=match):
        Criterion(**criterion)


def test_criterion_confidence_recomputes_its_interval():
    """Check that a criterion's own confidence widens its Wilson interval."""
    from scipy.stats import binomtest

    at_95 = judge(Criterion(metric="flip_rate", max=0.05), METRICS, 0.95)
    at_99 = judge(Criterion(metric="flip_rate", max=0.05, confidence=0.99), METRICS)
    expected = binomtest(2, 100).proportion_ci(0.99, method="wilson")
    assert at_95.low == METRICS["joint"]["flip_rate"]["low"]
    assert at_99.low == pytest.approx(expected.low, abs=1e-11)
    assert at_99.high == pytest.approx(expected.high, abs=1e-11)
    assert at_99.to_dict()["confidence"] == 0.99
    assert at_99.status == "inconclusive"  # 0.99 interval reaches above 0.05
