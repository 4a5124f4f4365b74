"""Tests of the counterfactual statistics and their merging."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from auditkit.metrics import ChunkStats, reduce_chunk, summarize, wilson_interval

ATTRIBUTES = {"gender": ["Male", "Female"], "race": ["A", "B", "C"]}
COLUMNS = {"gender": "Gender_Code", "race": "race"}
REFERENCES = {"gender": "Male", "race": "A"}


def _summary(stats: ChunkStats, confidence: float = 0.95) -> dict:
    return summarize(
        stats, ATTRIBUTES, columns=COLUMNS, references=REFERENCES, confidence=confidence
    )


@pytest.mark.parametrize(
    ("count", "total", "confidence"),
    [
        (0, 10, 0.95),
        (10, 10, 0.95),
        (3, 17, 0.9),
        (998, 1000, 0.95),
        (1, 2, 0.99),
        (50_000, 100_000, 0.95),
        (7, 1_000_000, 0.999),
    ],
)
def test_wilson_interval_matches_scipy(count, total, confidence):
    """Check that the vectorised Wilson interval equals scipy's binomtest one."""
    low, high = wilson_interval(count, total, confidence)
    expected = binomtest(count, total).proportion_ci(confidence, method="wilson")
    assert float(low) == pytest.approx(expected.low, abs=1e-12)
    assert float(high) == pytest.approx(expected.high, abs=1e-12)


def test_wilson_interval_is_vectorised_and_nan_for_empty():
    """Check that arrays give elementwise bounds and zero trials give nan."""
    low, high = wilson_interval(np.array([1, 5, 0]), np.array([10, 10, 0]))
    assert low.shape == (3,)
    assert np.isnan(low[2]) or low[2] == 0.0
    assert 0 < low[0] < 0.1 < high[0]


def test_joint_and_per_attribute_flip_rates_follow_the_definitions():
    """Check flip rates on hand-made decisions of three profiles (2 x 3 clones)."""
    decisions = np.zeros((3, 2, 3), dtype=bool)
    decisions[0] = True  # never flips
    decisions[1, 0, :] = True  # flips on gender only
    decisions[2, :, 0] = True  # flips on race only
    metrics = _summary(reduce_chunk(decisions, None, first_profile=0, examples=5))

    assert metrics["joint"]["flip_rate"]["count"] == 2
    assert metrics["gender"]["flip_rate"]["count"] == 1
    assert metrics["race"]["flip_rate"]["count"] == 1
    assert metrics["joint"]["score_gap_mean"] is None


def test_attribute_flip_counts_a_change_in_any_context():
    """Check that a gender flip seen for one race value alone still counts."""
    decisions = np.zeros((1, 2, 3), dtype=bool)
    decisions[0, 0, 2] = True  # Male & C approved, everyone else denied
    metrics = _summary(reduce_chunk(decisions, None, first_profile=0, examples=5))
    assert metrics["gender"]["flip_rate"]["count"] == 1
    assert metrics["race"]["flip_rate"]["count"] == 1


def test_merged_chunks_equal_one_chunk_exactly():
    """Check that statistics merged from uneven chunks equal the whole."""
    rng = np.random.default_rng(1)
    decisions = rng.random((501, 2, 3)) > 0.4
    scores = rng.random((501, 2, 3))
    whole = reduce_chunk(decisions, scores, first_profile=0, examples=7)
    merged = ChunkStats.empty((2, 3), has_scores=True)
    for start, stop in [(0, 13), (13, 200), (200, 201), (201, 501)]:
        part = reduce_chunk(
            decisions[start:stop], scores[start:stop], first_profile=start, examples=7
        )
        merged = merged.merge(part, examples=7)
    assert merged == whole
    assert _summary(merged) == _summary(whole)


def test_parity_figures_match_fairlearn():
    """Check selection rates, parity difference and ratio against fairlearn."""
    from fairlearn.metrics import (
        MetricFrame,
        demographic_parity_difference,
        demographic_parity_ratio,
        selection_rate,
    )

    rng = np.random.default_rng(3)
    decisions = rng.random((400, 2, 3)) > np.array([0.3, 0.6]).reshape(1, 2, 1)
    metrics = _summary(reduce_chunk(decisions, None, first_profile=0, examples=0))

    flat = decisions.reshape(-1).astype(int)
    gender = np.tile(np.repeat(["Male", "Female"], 3), 400)
    race = np.tile(["A", "B", "C"], 800)
    for name, feature in (("gender", gender), ("race", race)):
        frame = MetricFrame(
            metrics=selection_rate, y_true=flat, y_pred=flat, sensitive_features=feature
        )
        for label, rate in frame.by_group.items():
            assert metrics[name]["groups"][label]["selection_rate"] == pytest.approx(
                rate
            )
        assert metrics[name]["demographic_parity_difference"] == pytest.approx(
            demographic_parity_difference(flat, flat, sensitive_features=feature)
        )
        assert metrics[name]["demographic_parity_ratio"] == pytest.approx(
            demographic_parity_ratio(flat, flat, sensitive_features=feature)
        )


def test_parity_ratio_is_undefined_when_no_group_is_selected():
    """Check that a 0/0 ratio is reported as None, never capped."""
    decisions = np.zeros((10, 2, 3), dtype=bool)
    metrics = _summary(reduce_chunk(decisions, None, first_profile=0, examples=0))
    assert metrics["gender"]["demographic_parity_ratio"] is None
    assert metrics["gender"]["demographic_parity_difference"] == 0.0


def test_score_gaps_and_mean_scores():
    """Check score gap mean, max, histogram and per-group mean score."""
    scores = np.array([[[0.9, 0.9, 0.9], [0.1, 0.1, 0.1]], [[0.5] * 3, [0.5] * 3]])
    stats = reduce_chunk(scores >= 0.5, scores, first_profile=0, examples=2)
    metrics = _summary(stats)
    assert metrics["joint"]["score_gap_mean"] == pytest.approx(0.4)
    assert metrics["joint"]["score_gap_max"] == pytest.approx(0.8)
    assert sum(metrics["joint"]["score_gap_histogram"]["counts"]) == 2
    assert metrics["gender"]["groups"]["Male"]["mean_score"] == pytest.approx(0.7)
    assert metrics["gender"]["groups"]["Female"]["mean_score"] == pytest.approx(0.3)
    assert stats.examples == [0]
