"""Judge pass criteria on the computed metrics, and the run's verdict.

Verdicts have three states. A figure with an interval passes when the whole
interval lies within the bounds, fails when the whole interval lies outside,
and is inconclusive when it straddles a bound. Figures without an interval,
and criteria with ``bound: point``, are judged on the estimate alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .metrics import wilson_interval
from .spec import Criterion

__all__ = ["Judgement", "Status", "Verdict", "judge", "judge_all", "verdict_of"]

Status = Literal["pass", "fail", "inconclusive"]
Verdict = Literal["pass", "fail", "inconclusive"]


@dataclass(frozen=True)
class Judgement:
    """A criterion, the figure it was judged on, and the outcome."""

    criterion: Criterion
    value: float | None
    low: float | None
    high: float | None
    status: Status
    message: str
    confidence: float = 0.95

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def to_dict(self) -> dict:
        criterion = self.criterion
        return {
            "metric": criterion.metric,
            "attribute": criterion.attribute,
            "group": criterion.group,
            "label": criterion.label,
            "min": criterion.min,
            "max": criterion.max,
            "bound": criterion.bound,
            "severity": criterion.severity,
            "confidence": self.confidence,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "status": self.status,
            "passed": self.passed,
            "message": self.message,
        }


def _lookup(
    criterion: Criterion, metrics: dict, confidence: float | None
) -> tuple[float | None, float | None, float | None]:
    """The figure judged, as (value, low, high); no interval gives None bounds.

    With ``confidence``, the interval is recomputed at that level from the
    counts behind the figure.
    """
    scope = metrics[criterion.attribute or "joint"]
    if criterion.group is not None:
        group = scope["groups"][criterion.group]
        if criterion.metric != "selection_rate":
            return group[criterion.metric], None, None
        proportion = {
            "value": group["selection_rate"],
            "low": group["low"],
            "high": group["high"],
            "count": group.get("selected"),
            "total": group.get("count"),
        }
    else:
        proportion = scope[criterion.metric]
        if not isinstance(proportion, dict):
            return proportion, None, None
    low, high = proportion["low"], proportion["high"]
    if confidence is not None and proportion["total"]:
        bounds = wilson_interval(proportion["count"], proportion["total"], confidence)
        low, high = (float(f"{float(bound):.12g}") for bound in bounds)
    return proportion["value"], low, high


def _bounds_text(criterion: Criterion) -> str:
    if criterion.min is not None and criterion.max is not None:
        return f"between {criterion.min:g} and {criterion.max:g}"
    if criterion.min is not None:
        return f"at least {criterion.min:g}"
    return f"at most {criterion.max:g}"


def _within(value: float, criterion: Criterion) -> bool:
    above_min = criterion.min is None or value >= criterion.min
    below_max = criterion.max is None or value <= criterion.max
    return above_min and below_max


def judge(criterion: Criterion, metrics: dict, confidence: float = 0.95) -> Judgement:
    """Judge one criterion against the ``metrics`` of ``results.json``.

    Args:
        criterion: The criterion.
        metrics: The ``metrics`` mapping, with intervals at ``confidence``.
        confidence: The level of those intervals; a criterion's own
            ``confidence`` recomputes its interval at that level.
    """
    own = criterion.confidence
    recompute = own if own is not None and own != confidence else None
    value, low, high = _lookup(criterion, metrics, recompute)
    level = own if own is not None else confidence
    required = f"required {_bounds_text(criterion)}"

    def outcome(status: Status, message: str) -> Judgement:
        return Judgement(criterion, value, low, high, status, message, level)

    if value is None:
        undefined = f"{criterion.label} is undefined (no group was selected)"
        return outcome("inconclusive", f"{undefined}; {required}")
    figure = f"{criterion.label} = {value:.4g}"
    if criterion.bound == "point" or low is None or high is None:
        status: Status = "pass" if _within(value, criterion) else "fail"
        return outcome(status, f"{figure}; {required}")

    figure += f" [{low:.4g}, {high:.4g}]"
    if _within(low, criterion) and _within(high, criterion):
        return outcome("pass", f"{figure}; {required}")
    if _entirely_outside(low, high, criterion):
        return outcome("fail", f"{figure}; {required}")
    straddles = "the interval straddles the threshold; more profiles would settle it"
    return outcome("inconclusive", f"{figure}: {straddles}; {required}")


def _entirely_outside(low: float, high: float, criterion: Criterion) -> bool:
    below = criterion.min is not None and high < criterion.min
    above = criterion.max is not None and low > criterion.max
    return below or above


def judge_all(
    criteria: Sequence[Criterion], metrics: dict, confidence: float = 0.95
) -> list[Judgement]:
    """Judge every criterion, in declaration order."""
    return [judge(criterion, metrics, confidence) for criterion in criteria]


def verdict_of(judgements: Sequence[Judgement]) -> Verdict:
    """Fail when an error criterion fails; inconclusive when one is; else pass.

    Warning criteria are reported and never change the verdict.
    """
    statuses = {j.status for j in judgements if j.criterion.severity == "error"}
    if "fail" in statuses:
        return "fail"
    if "inconclusive" in statuses:
        return "inconclusive"
    return "pass"
