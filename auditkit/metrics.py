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

import numpy as np

__all__ = [
    "GAP_BINS",
    "SCORE_SCALE",
    "ChunkStats",
    "reduce_chunk",
    "summarize",
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

    ``shape`` is the number of values per attribute. Group arrays are indexed
    by attribute, then value.
    """

    shape: tuple[int, ...]
    profiles: int = 0
    joint_flips: int = 0
    attribute_flips: list[int] = field(default_factory=list)
    selected: list[list[int]] = field(default_factory=list)
    rows: list[list[int]] = field(default_factory=list)
    score_units: list[list[int]] | None = None
    gap_units: int = 0
    gap_max: float = 0.0
    gap_counts: list[int] | None = None
    cell_selected: list[int] = field(default_factory=list)
    examples: list[int] = field(default_factory=list)
    example_rows: dict[int, dict] = field(default_factory=dict)

    @classmethod
    def empty(cls, shape: tuple[int, ...], *, has_scores: bool) -> ChunkStats:
        zeros = [[0] * size for size in shape]
        return cls(
            shape=tuple(shape),
            attribute_flips=[0] * len(shape),
            selected=[list(row) for row in zeros],
            rows=[list(row) for row in zeros],
            score_units=[list(row) for row in zeros] if has_scores else None,
            gap_counts=[0] * GAP_BINS if has_scores else None,
            cell_selected=[0] * int(np.prod(shape)),
        )

    @property
    def has_scores(self) -> bool:
        return self.score_units is not None

    def merge(self, other: ChunkStats, *, examples: int) -> ChunkStats:
        """Return the statistics of both chunks together."""
        if other.shape != self.shape or other.has_scores != self.has_scores:
            raise ValueError("cannot merge statistics of different audits")
        add = _add_nested
        return ChunkStats(
            shape=self.shape,
            profiles=self.profiles + other.profiles,
            joint_flips=self.joint_flips + other.joint_flips,
            attribute_flips=add(self.attribute_flips, other.attribute_flips),
            selected=add(self.selected, other.selected),
            rows=add(self.rows, other.rows),
            score_units=(
                add(self.score_units, other.score_units) if self.has_scores else None
            ),
            gap_units=self.gap_units + other.gap_units,
            gap_max=max(self.gap_max, other.gap_max),
            gap_counts=add(self.gap_counts, other.gap_counts)
            if self.has_scores
            else None,
            cell_selected=add(self.cell_selected, other.cell_selected),
            examples=(kept := sorted(self.examples + other.examples)[:examples]),
            example_rows={
                key: rows
                for key, rows in (self.example_rows | other.example_rows).items()
                if key in kept
            },
        )


def _add_nested(left, right):
    if isinstance(left, list):
        return [_add_nested(a, b) for a, b in zip(left, right, strict=True)]
    return left + right


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


def _varies_along(decisions: np.ndarray, axis: int) -> np.ndarray:
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
    per_cell = np.count_nonzero(flat, axis=0)
    stats.cell_selected = per_cell.tolist()
    stats.examples = (np.flatnonzero(flipped)[:examples] + first_profile).tolist()
    units = None if scores is None else _units(scores)

    clones_per_value = flat.shape[1]
    for axis, size in enumerate(shape, start=1):
        others = tuple(a for a in range(decisions.ndim) if a != axis)
        stats.rows[axis - 1] = [profiles * clones_per_value // size] * size
        stats.selected[axis - 1] = _sum_by_value(per_cell, shape, axis - 1)
        if len(shape) == 1:
            stats.attribute_flips[0] = stats.joint_flips
        else:
            stats.attribute_flips[axis - 1] = int(_varies_along(decisions, axis).sum())
        if units is not None:
            sums = units.sum(axis=others, dtype=np.int64) if others else units
            stats.score_units[axis - 1] = [int(v) for v in sums]  # type: ignore[index]

    if scores is not None:
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


def _sum_by_value(per_cell: np.ndarray, shape: list[int], attribute: int) -> list[int]:
    """Selected clones per value of one attribute, from the per-cell counts."""
    cells = per_cell.reshape(shape)
    others = tuple(a for a in range(len(shape)) if a != attribute)
    return [int(v) for v in cells.sum(axis=others)] if others else cells.tolist()


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
    selected = np.asarray(stats.selected[axis], dtype=np.int64)
    rows = np.asarray(stats.rows[axis], dtype=np.int64)
    low, high = wilson_interval(selected, rows, confidence)
    groups = {}
    for index, label in enumerate(labels):
        count = int(rows[index])
        mean_score = None
        if stats.score_units is not None and count:
            mean_score = stats.score_units[axis][index] / SCORE_SCALE / count
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
