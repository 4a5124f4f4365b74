"""Counterfactual statistics: reduce scored chunks to mergeable counts and sums.

A chunk's decisions arrive as an array shaped ``(profiles, *values_per_attribute)``
(one axis per protected attribute, the full cartesian product). Each chunk is
reduced to :class:`ChunkStats`: integer counts and fixed-point sums only, so
merging is exact and order-free, and the final figures do not depend on the
chunk size, the number of workers or the order chunks finish in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist
from typing import overload

import numpy as np

__all__ = [
    "GAP_BINS",
    "SCORE_SCALE",
    "ChunkStats",
    "reduce_chunk",
    "summarize",
    "varies_along",
    "wilson_interval",
]

#: Scores are summed as integers in units of 2**-32: exact and associative.
SCORE_SCALE = 2**32
#: Score-gap histogram bins over [0, 1].
GAP_BINS = 20


def wilson_interval(
    count: np.ndarray | int, total: np.ndarray | int, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion, vectorised.

    Args:
        count: Successes, any shape.
        total: Trials, broadcastable against ``count``; zero gives ``nan``.
        confidence: Two-sided confidence level.

    Returns:
        ``(low, high)`` arrays shaped like the broadcast inputs.
    """
    count = np.asarray(count, dtype=float)
    total = np.asarray(total, dtype=float)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        share = count / total
        denominator = 1 + z2 / total
        centre = (share + z2 / (2 * total)) / denominator
        spread = z * np.sqrt(share * (1 - share) / total + z2 / (4 * total**2))
        spread /= denominator
    low = np.clip(centre - spread, 0.0, 1.0)
    high = np.clip(centre + spread, 0.0, 1.0)
    # Exact at the edges: rounding must not move a bound off 0 or 1.
    low = np.where(count == 0, 0.0, low)
    high = np.where(count == total, 1.0, high)
    return low, high


@dataclass
class ChunkStats:
    """Counts and sums of one or more chunks; ``merge`` adds two of them.

    ``shape`` is the number of values per attribute. Per-cell lists hold one
    entry per combination of values, in matrix order; per-attribute figures
    are their marginals, taken in :func:`summarize`.
    """

    shape: tuple[int, ...]
    profiles: int = 0
    joint_flips: int = 0
    attribute_flips: list[int] = field(default_factory=list)
    cell_selected: list[int] = field(default_factory=list)
    cell_score_units: list[int] | None = None
    gap_units: int = 0
    gap_max: float = 0.0
    gap_counts: list[int] | None = None
    examples: list[int] = field(default_factory=list)
    example_rows: dict[int, dict] = field(default_factory=dict)

    @classmethod
    def empty(cls, shape: tuple[int, ...], *, has_scores: bool) -> ChunkStats:
        cells = int(np.prod(shape))
        return cls(
            shape=tuple(shape),
            attribute_flips=[0] * len(shape),
            cell_selected=[0] * cells,
            cell_score_units=[0] * cells if has_scores else None,
            gap_counts=[0] * GAP_BINS if has_scores else None,
        )

    @property
    def has_scores(self) -> bool:
        return self.cell_score_units is not None

    def merge(self, other: ChunkStats, *, examples: int) -> ChunkStats:
        """Return the statistics of both chunks together."""
        if other.shape != self.shape or other.has_scores != self.has_scores:
            raise ValueError("cannot merge statistics of different audits")
        kept = sorted(self.examples + other.examples)[:examples]
        both = self.example_rows | other.example_rows
        return ChunkStats(
            shape=self.shape,
            profiles=self.profiles + other.profiles,
            joint_flips=self.joint_flips + other.joint_flips,
            attribute_flips=_add(self.attribute_flips, other.attribute_flips),
            cell_selected=_add(self.cell_selected, other.cell_selected),
            cell_score_units=_add(self.cell_score_units, other.cell_score_units),
            gap_units=self.gap_units + other.gap_units,
            gap_max=max(self.gap_max, other.gap_max),
            gap_counts=_add(self.gap_counts, other.gap_counts),
            examples=kept,
            example_rows={key: both[key] for key in kept if key in both},
        )


@overload
def _add(left: list[int], right: list[int]) -> list[int]: ...
@overload
def _add(left: list[int] | None, right: list[int] | None) -> list[int] | None: ...
def _add(left: list[int] | None, right: list[int] | None) -> list[int] | None:
    """Elementwise sum; None when either side has no such figure (no scores)."""
    if left is None or right is None:
        return None
    return [a + b for a, b in zip(left, right, strict=True)]


def _row_range(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the smallest and largest value across the columns.

    Clones per profile are few, so a loop over columns of whole-chunk
    operations beats a reduction along the short axis.
    """
    low = flat[:, 0].copy()
    high = flat[:, 0].copy()
    for column in range(1, flat.shape[1]):
        np.minimum(low, flat[:, column], out=low)
        np.maximum(high, flat[:, column], out=high)
    return low, high


def varies_along(decisions: np.ndarray, axis: int) -> np.ndarray:
    """Per profile: does changing ``axis`` alone, others fixed, change the decision?"""
    moved = np.moveaxis(decisions, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    low, high = _row_range(rows)
    return (low != high).reshape(decisions.shape[0], -1).any(axis=1)


def reduce_chunk(
    decisions: np.ndarray,
    scores: np.ndarray | None,
    *,
    first_profile: int,
    examples: int,
) -> ChunkStats:
    """Reduce one chunk of clones to counts and sums.

    Args:
        decisions: Boolean array ``(profiles, *shape)``: favourable or not.
        scores: Float array of the same shape, or None when the model has none.
        first_profile: Index of the chunk's first profile, for the examples.
        examples: How many flipped profile indices to keep.
    """
    profiles, *shape = decisions.shape
    flat = decisions.reshape(profiles, -1)
    low, high = _row_range(flat)
    flipped = low != high
    stats = ChunkStats.empty(tuple(shape), has_scores=scores is not None)
    stats.profiles = profiles
    stats.joint_flips = int(np.count_nonzero(flipped))
    stats.cell_selected = np.count_nonzero(flat, axis=0).tolist()
    stats.examples = (np.flatnonzero(flipped)[:examples] + first_profile).tolist()
    if len(shape) == 1:
        stats.attribute_flips = [stats.joint_flips]
    else:
        stats.attribute_flips = [
            int(varies_along(decisions, axis).sum())
            for axis in range(1, len(shape) + 1)
        ]

    if scores is not None:
        cell_units = _units(scores).reshape(profiles, -1).sum(axis=0, dtype=np.int64)
        stats.cell_score_units = cell_units.tolist()
        score_low, score_high = _row_range(scores.reshape(profiles, -1))
        gaps = score_high - score_low
        stats.gap_units = int(_units(gaps).sum(dtype=np.int64))
        stats.gap_max = float(gaps.max()) if profiles else 0.0
        bins = np.minimum((gaps * GAP_BINS).astype(np.int64), GAP_BINS - 1)
        stats.gap_counts = np.bincount(bins, minlength=GAP_BINS).tolist()
    return stats


def _units(scores: np.ndarray) -> np.ndarray:
    """Scores as integers in units of 2**-32, so sums are exact and associative."""
    scaled = np.multiply(scores, SCORE_SCALE, dtype=np.float64)
    np.rint(scaled, out=scaled)
    return scaled.astype(np.int64)


def _marginal(cells: list[int], shape: tuple[int, ...], axis: int) -> np.ndarray:
    """Per value of one attribute, the sum over every other attribute's values."""
    grid = np.asarray(cells, dtype=np.int64).reshape(shape)
    others = tuple(a for a in range(len(shape)) if a != axis)
    return grid.sum(axis=others) if others else grid


def _figure(value: float | None) -> float | None:
    """A JSON-ready figure: 12 significant digits, None for undefined."""
    if value is None or not np.isfinite(value):
        return None
    return float(f"{value:.12g}")


def _proportion(count: int, total: int, confidence: float) -> dict:
    low, high = wilson_interval(count, total, confidence)
    return {
        "value": _figure(count / total) if total else None,
        "low": _figure(float(low)),
        "high": _figure(float(high)),
        "count": int(count),
        "total": int(total),
    }


def summarize(
    stats: ChunkStats,
    attributes: dict[str, list[str]],
    *,
    columns: dict[str, str],
    references: dict[str, str],
    confidence: float,
) -> dict:
    """Turn merged statistics into the ``metrics`` mapping of ``results.json``.

    Args:
        stats: Statistics of every chunk, merged.
        attributes: Attribute name -> its labels, in matrix axis order.
        columns: Attribute name -> the model column that carries it.
        references: Attribute name -> the reference label.
        confidence: Confidence level of the Wilson intervals.
    """
    joint: dict = {
        "flip_rate": _proportion(stats.joint_flips, stats.profiles, confidence),
        "score_gap_mean": None,
        "score_gap_max": None,
        "score_gap_histogram": None,
    }
    if stats.has_scores and stats.profiles:
        joint["score_gap_mean"] = _figure(
            stats.gap_units / SCORE_SCALE / stats.profiles
        )
        joint["score_gap_max"] = _figure(stats.gap_max)
        joint["score_gap_histogram"] = {
            "edges": [_figure(i / GAP_BINS) for i in range(GAP_BINS + 1)],
            "counts": list(stats.gap_counts or []),
        }
    metrics = {"joint": joint}
    for axis, (name, labels) in enumerate(attributes.items()):
        metrics[name] = _attribute_metrics(stats, axis, labels, confidence)
        metrics[name]["column"] = columns[name]
        metrics[name]["reference"] = references[name]
    return metrics


def _attribute_metrics(
    stats: ChunkStats, axis: int, labels: list[str], confidence: float
) -> dict:
    selected = _marginal(stats.cell_selected, stats.shape, axis)
    clones_per_value = stats.profiles * int(np.prod(stats.shape)) // stats.shape[axis]
    rows = np.full(len(labels), clones_per_value, dtype=np.int64)
    score_units = None
    if stats.cell_score_units is not None:
        score_units = _marginal(stats.cell_score_units, stats.shape, axis)
    low, high = wilson_interval(selected, rows, confidence)
    groups = {}
    for index, label in enumerate(labels):
        count = int(rows[index])
        mean_score = None
        if score_units is not None and count:
            mean_score = int(score_units[index]) / SCORE_SCALE / count
        groups[label] = {
            "selection_rate": _figure(selected[index] / count) if count else None,
            "low": _figure(float(low[index])),
            "high": _figure(float(high[index])),
            "mean_score": _figure(mean_score),
            "count": count,
            "selected": int(selected[index]),
        }

    # Ratios of integers, computed exactly, so they match fairlearn's figures.
    rates = [selected[i] / rows[i] for i in range(len(labels)) if rows[i]]
    difference = ratio = None
    if rates:
        difference = max(rates) - min(rates)
        ratio = min(rates) / max(rates) if max(rates) > 0 else None
    return {
        "flip_rate": _proportion(
            stats.attribute_flips[axis], stats.profiles, confidence
        ),
        "demographic_parity_difference": _figure(difference),
        "demographic_parity_ratio": _figure(ratio),
        "groups": groups,
    }
