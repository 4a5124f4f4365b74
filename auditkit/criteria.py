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
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "status": self.status,
            "passed": self.passed,
            "message": self.message,
        }


def _lookup(
    criterion: Criterion, metrics: dict
) -> tuple[float | None, float | None, float | None]:
    """The figure judged, as (value, low, high); no interval gives None bounds."""
    scope = metrics[criterion.attribute or "joint"]
    if criterion.group is not None:
        group = scope["groups"][criterion.group]
        figure = group[criterion.metric]
        if criterion.metric == "selection_rate":
            return figure, group["low"], group["high"]
        return figure, None, None
    figure = scope[criterion.metric]
    if isinstance(figure, dict):
        return figure["value"], figure["low"], figure["high"]
    return figure, None, None


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


def judge(criterion: Criterion, metrics: dict) -> Judgement:
    """Judge one criterion against the ``metrics`` of ``results.json``."""
    value, low, high = _lookup(criterion, metrics)
    required = _bounds_text(criterion)
    if value is None:
        message = (
            f"{criterion.label} is undefined (no group was selected); "
            f"required {required}"
        )
        return Judgement(criterion, None, low, high, "inconclusive", message)

    figure = f"{criterion.label} = {value:.4g}"
    if criterion.bound == "point" or low is None or high is None:
        status: Status = "pass" if _within(value, criterion) else "fail"
        return Judgement(
            criterion, value, low, high, status, f"{figure}; required {required}"
        )

    figure += f" [{low:.4g}, {high:.4g}]"
    if _within(low, criterion) and _within(high, criterion):
        status = "pass"
    elif _entirely_outside(low, high, criterion):
        status = "fail"
    else:
        status = "inconclusive"
        figure += (
            ": the interval straddles the threshold; more profiles would settle it"
        )
    return Judgement(
        criterion, value, low, high, status, f"{figure}; required {required}"
    )


def _entirely_outside(low: float, high: float, criterion: Criterion) -> bool:
    below = criterion.min is not None and high < criterion.min
    above = criterion.max is not None and low > criterion.max
    return below or above


def judge_all(criteria: Sequence[Criterion], metrics: dict) -> list[Judgement]:
    """Judge every criterion, in declaration order."""
    return [judge(criterion, metrics) for criterion in criteria]


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
