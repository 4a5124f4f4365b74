"""The view model: a results dict turned into what a reader of the report sees.

Templates format; they never compute. Everything they show is decided here:
numbers rounded and given units, intervals written out, sentences in plain
words, caveats collected, chart coordinates laid out. The same view feeds the
HTML, Markdown and JUnit templates, so the three never disagree.

Only ``results`` is read: a past run's results.json re-renders to the same
report.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditkit.report import _charts, _format
from auditkit.report._format import DASH, UNDEFINED

__all__ = [
    "AttributeView",
    "Cell",
    "Clone",
    "Counts",
    "CriterionRow",
    "Decision",
    "Example",
    "Examples",
    "FieldRow",
    "FlipRate",
    "GroupRow",
    "Limitations",
    "ProvenanceRow",
    "ReportView",
    "ScoreGaps",
    "Verdict",
    "build_view",
]

logger = logging.getLogger(__name__)

_WIDE_INTERVAL = 0.10
_SMALL_GROUP = 30
_SIDE_BY_SIDE = 3

# metric -> (name a reader understands, kind of number)
_METRICS: dict[str, tuple[str, str]] = {
    "flip_rate": ("Flip rate", "share"),
    "selection_rate": ("Selection rate", "share"),
    "demographic_parity_difference": ("Demographic parity difference", "points"),
    "demographic_parity_ratio": ("Demographic parity ratio", "ratio"),
    "mean_score": ("Mean score", "score"),
    "score_gap_mean": ("Mean score gap", "score"),
    "score_gap_max": ("Largest score gap", "score"),
}

_Formatter = Callable[[float | None], str]

# kind -> (format with a precision, or None for the default; precision to start
# from when the default makes a figure read the same as its threshold)
_KINDS: dict[str, tuple[Callable[[float | None, int | None], str], int]] = {
    "share": (_format.percent, 2),
    "points": (_format.points, 2),
    "ratio": (lambda x, p: _format.decimal(x, p or 3), 4),
    "score": (lambda x, p: _format.decimal(x, p or 3), 4),
}

_STATUS_WORDS = {"pass": "Pass", "fail": "Fail", "inconclusive": "Inconclusive"}
_SYMBOLS = {"pass": "✓", "fail": "✗", "inconclusive": "?"}
_EMOJI = {"pass": "✅", "fail": "❌", "inconclusive": "❔"}


# -- view classes ------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """How the criteria came out."""

    total: int
    passed: int
    failed: int
    inconclusive: int
    failed_errors: int
    inconclusive_errors: int
    unmet_warnings: int


@dataclass(frozen=True)
class Verdict:
    """The run's verdict, in words."""

    state: str
    word: str
    symbol: str
    emoji: str
    headline: str
    advice: str


@dataclass(frozen=True)
class CriterionRow:
    """One criterion as the reports show it."""

    label: str
    name: str
    scope: str
    figure: str
    interval: str
    requirement: str
    severity: str
    status: str
    status_word: str
    symbol: str
    emoji: str
    tone: str
    measure: str
    judgement: str
    sentence: str
    message: str
    exact: str

    @property
    def is_warning(self) -> bool:
        """Whether the criterion is reported only and never fails the run."""
        return self.severity == "warning"


@dataclass(frozen=True)
class FlipRate:
    """A flip rate, joint or for one attribute."""

    scope: str
    flipped: str
    rate: str
    interval: str
    sentence: str


@dataclass(frozen=True)
class GroupRow:
    """One value of a protected attribute."""

    label: str
    is_reference: bool
    count: str
    selected: str
    rate: str
    interval: str
    mean_score: str


@dataclass(frozen=True)
class AttributeView:
    """A protected attribute: its groups and parity figures."""

    name: str
    column: str
    reference: str
    values: str
    groups: list[GroupRow]
    parity_difference: str
    parity_ratio: str
    summary: str
    chart: _charts.BarChart


@dataclass(frozen=True)
class ScoreGaps:
    """The distribution of score gaps between a profile's clones."""

    mean: str
    max: str
    summary: str
    chart: _charts.Histogram | None


@dataclass(frozen=True)
class Cell:
    """One value in an example, and whether it differs between the clones."""

    text: str
    is_changed: bool


@dataclass(frozen=True)
class Decision:
    """A clone's decision."""

    text: str
    symbol: str
    is_selected: bool


@dataclass(frozen=True)
class Clone:
    """One clone of an example profile."""

    heading: str
    cells: list[Cell]
    changed_cells: list[Cell]
    decision: Decision
    score: str


@dataclass(frozen=True)
class FieldRow:
    """One field of an example, across its clones (for side-by-side tables)."""

    name: str
    kind: str
    cells: list[Cell]
    is_changed: bool


@dataclass(frozen=True)
class Example:
    """A flipped profile: clones identical except for the protected attributes."""

    profile_id: str
    flipped: str
    clones: list[Clone]
    fields: list[FieldRow]
    changed: list[str]
    shared: list[FieldRow]
    is_wide: bool


@dataclass(frozen=True)
class Examples:
    """The flipped profiles the report shows."""

    columns: list[str]
    items: list[Example]
    summary: str
    evidence: str | None


@dataclass(frozen=True)
class Limitations:
    """What the reader should not conclude from this run."""

    caveats: list[str]
    warnings: list[str]
    scope: list[str]


@dataclass(frozen=True)
class ProvenanceRow:
    """One fact about where the results came from."""

    label: str
    value: str
    is_code: bool


@dataclass(frozen=True)
class ReportView:
    """Everything a report template shows, already formatted."""

    title: str
    name: str
    description: str | None
    audit_path: str
    created: str | None
    generated: str | None
    auditkit_version: str
    seed: str
    confidence: str
    verdict: Verdict
    counts: Counts
    criteria: list[CriterionRow]
    findings: list[CriterionRow]
    population: str
    model: str
    decision_rule: str
    attributes: list[AttributeView]
    flip_rates: list[FlipRate]
    flip_chart: _charts.BarChart
    score_gaps: ScoreGaps | None
    examples: Examples
    limitations: Limitations
    provenance: list[ProvenanceRow]
    source: str | None
    properties: list[ProvenanceRow] = field(default_factory=list)


# -- entry point -------------------------------------------------------------


def build_view(
    results: Mapping[str, Any], *, generated: str | None = None
) -> ReportView:
    """Build the view of a results dict (as results.json holds it).

    Args:
        results: The results, as written by the engine.
        generated: When the report was generated, for the HTML header; the
            Markdown never shows it, so it stays byte-identical across reruns.

    Raises:
        KeyError: A key the results must have is missing.
    """
    audit = results["audit"]
    confidence = _format.percent(results.get("confidence", 0.95))
    attributes = _attribute_names(results)

    criteria = [
        _criterion_row(c, results, attributes, confidence) for c in results["criteria"]
    ]
    counts = _counts(criteria)

    return ReportView(
        title=audit.get("title") or audit["name"],
        name=audit["name"],
        description=audit.get("description"),
        audit_path=audit.get("path") or DASH,
        created=results.get("created"),
        generated=generated,
        auditkit_version=str(results.get("auditkit_version", DASH)),
        seed=str(results.get("seed", DASH)),
        confidence=confidence,
        verdict=_verdict(results["verdict"], counts),
        counts=counts,
        criteria=criteria,
        findings=_findings(criteria),
        population=_population_summary(results, attributes),
        model=_model_summary(results["model"]),
        decision_rule=_decision_rule(results["model"]),
        attributes=[_attribute_view(name, results, confidence) for name in attributes],
        flip_rates=_flip_rates(results, attributes, confidence),
        flip_chart=_flip_chart(results, attributes, confidence),
        score_gaps=_score_gaps(results["metrics"]["joint"]),
        examples=_examples(results, attributes),
        limitations=_limitations(results, criteria, attributes, confidence),
        provenance=_provenance(results),
        source=audit.get("source"),
        properties=_properties(results),
    )


def _attribute_names(results: Mapping[str, Any]) -> list[str]:
    # results.json is written with sorted keys, so sort here too: the report of
    # an in-memory result and of its reloaded JSON must be the same bytes.
    names = results.get("matrix", {}).get("attributes") or {}
    if not names:
        names = {key: None for key in results["metrics"] if key != "joint"}
    return sorted(names)


# -- criteria ----------------------------------------------------------------


def _criterion_formatter(criterion: Mapping[str, Any], kind: str) -> _Formatter:
    fmt, start = _KINDS[kind]
    precision = _format.distinct_precision(
        fmt,
        start,
        figures=[criterion.get(key) for key in ("value", "low", "high")],
        thresholds=[criterion.get("min"), criterion.get("max")],
    )
    return lambda x: fmt(x, precision)


def _criterion_row(
    criterion: Mapping[str, Any],
    results: Mapping[str, Any],
    attributes: Sequence[str],
    confidence: str,
) -> CriterionRow:
    metric = criterion["metric"]
    name, kind = _METRICS.get(metric, (metric.replace("_", " ").capitalize(), "score"))
    fmt = _criterion_formatter(criterion, kind)
    status = criterion["status"]
    severity = criterion.get("severity", "error")

    requirement = _requirement(criterion, fmt)
    interval = _format.interval(criterion.get("low"), criterion.get("high"), fmt)
    own = criterion.get("confidence")
    if own is not None and own != results.get("confidence", 0.95):
        confidence = _format.percent(own)  # the criterion's own level, said
        if criterion.get("low") is not None:
            interval += f" ({confidence})"
    measure = _measure(criterion, results, attributes, confidence, fmt)
    judgement = _judgement(criterion, kind, confidence)
    sentence = f"{measure} Required: {requirement}. {judgement}"
    if severity == "warning" and status != "pass":
        sentence += (
            " This criterion is a warning: it is reported and never fails the run."
        )

    tone = status if status in _STATUS_WORDS else "inconclusive"
    if severity == "warning" and status == "fail":
        tone = "warning"
    return CriterionRow(
        label=criterion.get("label") or metric,
        name=name,
        scope=_scope(criterion, attributes),
        figure=fmt(criterion.get("value")),
        interval=interval,
        requirement=requirement,
        severity=severity,
        status=status,
        status_word=_STATUS_WORDS.get(status, status.capitalize()),
        symbol=_SYMBOLS.get(status, "?"),
        emoji="⚠️" if tone == "warning" else _EMOJI.get(status, "❔"),
        tone=tone,
        measure=measure,
        judgement=judgement,
        sentence=sentence,
        message=criterion.get("message") or "",
        exact=_exact(criterion),
    )


def _scope(criterion: Mapping[str, Any], attributes: Sequence[str]) -> str:
    attribute, group = criterion.get("attribute"), criterion.get("group")
    if attribute is None:
        return _joint_label(attributes)
    return f"{attribute} = {group}" if group is not None else attribute


def _requirement(criterion: Mapping[str, Any], fmt: _Formatter) -> str:
    low, high = criterion.get("min"), criterion.get("max")
    if low is not None and high is not None:
        text = f"between {fmt(low)} and {fmt(high)}"
    elif high is not None:
        text = f"at most {fmt(high)}"
    else:
        text = f"at least {fmt(low)}"
    if (
        criterion["metric"] == "demographic_parity_ratio"
        and low == 0.8
        and high is None
    ):
        text += " (the four-fifths rule)"
    return text


def _judgement(criterion: Mapping[str, Any], kind: str, confidence: str) -> str:
    status, value = criterion["status"], criterion.get("value")
    low, high = criterion.get("low"), criterion.get("high")
    on_interval = criterion.get("bound", "interval") == "interval" and None not in (
        low,
        high,
    )
    if value is None:
        return "The figure is undefined, so it cannot be judged."
    if status == "inconclusive":
        return (
            f"Inconclusive: the {confidence} interval straddles the requirement, "
            "so this evidence cannot settle it; more profiles would."
        )
    judged = f"the whole {confidence} interval" if on_interval else "the estimate"
    if status == "pass":
        return f"Met: {judged} is within the requirement."
    if status != "fail":
        return f"Status: {status}."

    above = criterion.get("max") is not None and value > criterion["max"]
    limit = criterion["max"] if above else criterion.get("min")
    nearest = (low if above else high) if on_interval else value
    side = "above the maximum" if above else "below the minimum"
    beyond = None
    if limit is not None and nearest is not None:
        beyond = nearest - limit if above else limit - nearest
    if beyond is None or beyond <= 0:
        return f"Not met: {judged} is {side}."
    by = "by at least" if on_interval else "by"
    return f"Not met: {judged} is {side}, {by} {_margin(kind, beyond)}."


def _margin(kind: str, difference: float) -> str:
    if kind in ("share", "points"):
        number = _format.percent(difference)[:-1]
        return f"{number} percentage point{'' if number == '1' else 's'}"
    return _format.decimal(difference)


def _exact(criterion: Mapping[str, Any]) -> str:
    parts = [f"value {_format.raw(criterion.get('value'))}"]
    if criterion.get("low") is not None or criterion.get("high") is not None:
        parts.append(
            f"interval [{_format.raw(criterion.get('low'))}, "
            f"{_format.raw(criterion.get('high'))}]"
        )
    parts += [
        f"{key} {_format.raw(criterion[key])}"
        for key in ("min", "max")
        if criterion.get(key) is not None
    ]
    parts.append(f"bound {criterion.get('bound', 'interval')}")
    return ", ".join(parts)


# -- what each criterion measured, in words ----------------------------------


def _measure(
    criterion: Mapping[str, Any],
    results: Mapping[str, Any],
    attributes: Sequence[str],
    confidence: str,
    fmt: _Formatter,
) -> str:
    metric, attribute = criterion["metric"], criterion.get("attribute")
    metrics = results["metrics"]
    scope = metrics.get(attribute or "joint", {})
    value = fmt(criterion.get("value"))
    ci = _ci_text(criterion, confidence, fmt)

    if metric == "flip_rate" and "flip_rate" in scope:
        return _flip_sentence(attribute, scope["flip_rate"], attributes, value, ci)
    if metric == "selection_rate" and criterion.get("group") in scope.get("groups", {}):
        group = scope["groups"][criterion["group"]]
        return (
            f"Clones with {attribute} = {criterion['group']} were selected in "
            f"{_format.count(group.get('selected'))} of "
            f"{_format.count(group.get('count'))} cases ({value}{ci})."
        )
    if metric == "mean_score":
        group = criterion.get("group")
        return f"Clones with {attribute} = {group} got a mean score of {value}."
    if metric == "demographic_parity_difference":
        return (
            f"Selection rates across {attribute} groups differ by "
            f"{value.replace(' pp', ' percentage points')}{_extremes(scope)}."
        )
    if metric == "demographic_parity_ratio":
        if criterion.get("value") is None:
            return (
                f"The ratio of selection rates across {attribute} groups is "
                f"undefined: no {attribute} group was selected."
            )
        if criterion["value"] == 0:
            return (
                f"The lowest selection rate across {attribute} groups is zero"
                f"{_extremes(scope)}, so their ratio is 0."
            )
        return (
            f"The lowest selection rate across {attribute} groups is {value} times "
            f"the highest{_extremes(scope)}."
        )
    if metric == "score_gap_mean":
        return (
            "The score gap, the largest score difference between one profile's "
            f"clones, averages {value} over the profiles (scores run from 0 to 1)."
        )
    if metric == "score_gap_max":
        return (
            "The largest score difference between the clones of any one profile "
            f"is {value} (scores run from 0 to 1)."
        )
    return f"{criterion.get('label') or metric} is {value}{ci}."


def _ci_text(criterion: Mapping[str, Any], confidence: str, fmt: _Formatter) -> str:
    if criterion.get("low") is None or criterion.get("high") is None:
        return ""
    interval = _format.interval(criterion["low"], criterion["high"], fmt)
    return f", {confidence} CI {interval}"


def _flip_sentence(
    attribute: str | None,
    flip: Mapping[str, Any],
    attributes: Sequence[str],
    value: str,
    ci: str,
) -> str:
    if attribute is None or len(attributes) == 1:
        who = f"Clones that differ only in {_format.join_words(attributes)}"
    else:
        others = _format.join_words([a for a in attributes if a != attribute])
        who = f"Clones that differ only in {attribute}, with {others} held fixed,"
    return (
        f"{who} got different decisions in {_format.count(flip.get('count'))} of "
        f"{_format.plural(flip.get('total') or 0, 'profile')} ({value}{ci})."
    )


def _extremes(scope: Mapping[str, Any]) -> str:
    rates = [
        (group["selection_rate"], label)
        for label, group in scope.get("groups", {}).items()
        if group.get("selection_rate") is not None
    ]
    if len(rates) < 2:
        return ""
    (low, low_label), (high, high_label) = min(rates), max(rates)
    return (
        f" ({high_label} {_format.percent(high)}, {low_label} {_format.percent(low)})"
    )


# -- verdict -----------------------------------------------------------------


def _counts(criteria: Sequence[CriterionRow]) -> Counts:
    def number(status: str, severity: str | None = None) -> int:
        return sum(
            1
            for c in criteria
            if c.status == status and (severity is None or c.severity == severity)
        )

    return Counts(
        total=len(criteria),
        passed=number("pass"),
        failed=number("fail"),
        inconclusive=number("inconclusive"),
        failed_errors=number("fail", "error"),
        inconclusive_errors=number("inconclusive", "error"),
        unmet_warnings=number("fail", "warning") + number("inconclusive", "warning"),
    )


def _verdict(state: str, counts: Counts) -> Verdict:
    criteria = _format.plural(counts.total, "criterion", "criteria")
    if state == "fail":
        headline = f"The model failed {counts.failed_errors} of {criteria}."
        advice = (
            "Every criterion is listed below with its figure, interval and requirement."
        )
    elif state == "inconclusive":
        headline = (
            "No criterion failed, but "
            f"{_format.count(counts.inconclusive_errors)} of {criteria} "
            "could not be settled with this evidence."
        )
        advice = (
            "An inconclusive audit needs human review. A larger population "
            "(population.size) narrows the intervals and settles it."
        )
    elif counts.total == 0:
        headline = "No criteria were declared: the figures below are not judged."
        advice = "Add criteria to the audit file to turn these figures into a verdict."
    elif counts.unmet_warnings:
        headline = "The model met every criterion that can fail the run."
        advice = "Passing means no criterion was breached on this evidence."
    else:
        headline = f"The model met all {criteria}."
        advice = "Passing means no criterion was breached on this evidence."
    if counts.unmet_warnings:
        headline += (
            f" {_format.plural(counts.unmet_warnings, 'warning')} "
            f"{'was' if counts.unmet_warnings == 1 else 'were'} not met "
            "(reported only)."
        )
    return Verdict(
        state=state,
        word=state.upper(),
        symbol=_SYMBOLS.get(state, "?"),
        emoji=_EMOJI.get(state, "❔"),
        headline=headline,
        advice=advice,
    )


def _findings(criteria: Sequence[CriterionRow]) -> list[CriterionRow]:
    """The criteria that did not pass, the ones that fail the run first."""
    order = {"fail": 0, "inconclusive": 1, "warning": 2}
    unmet = [c for c in criteria if c.status != "pass"]
    return sorted(unmet, key=lambda c: (order.get(c.tone, 3), c.is_warning))


# -- population, model -------------------------------------------------------


def _population_summary(results: Mapping[str, Any], attributes: Sequence[str]) -> str:
    population, matrix = results.get("population", {}), results.get("matrix", {})
    size = population.get("size") or 0
    source = population.get("source") or "synthetic"
    if source == "synthetic":
        what = f"{_format.plural(size, 'synthetic profile')}"
    else:
        what = f"{_format.plural(size, 'record')} from {source}"
    combinations = matrix.get("combinations") or 1
    per = (
        f"value of {attributes[0]}"
        if len(attributes) == 1
        else f"combination of {_format.join_words(attributes)}"
    )
    rows = matrix.get("rows")
    return (
        f"{what}, each cloned into {_format.plural(combinations, 'version')} "
        f"(one per {per}): {_format.plural(rows or 0, 'decision')}."
    )


def _model_summary(model: Mapping[str, Any]) -> str:
    where = model.get("target") or model.get("path") or DASH
    return f"{model.get('type', 'model')}: {where}"


def _decision_rule(model: Mapping[str, Any]) -> str:
    favorable = _format.value_text(model.get("favorable"))
    if model.get("threshold") is not None:
        return (
            f"A clone is selected when its score for {favorable} is at least "
            f"{_format.value_text(model['threshold'])}."
        )
    return f"A clone is selected when the model decides {favorable}."


# -- attributes, flip rates, score gaps --------------------------------------


def _attribute_view(
    name: str, results: Mapping[str, Any], confidence: str
) -> AttributeView:
    metrics = results["metrics"][name]
    matrix = results.get("matrix", {})
    reference = metrics.get("reference") or matrix.get("references", {}).get(name)
    groups = metrics.get("groups", {})
    declared = list(matrix.get("attributes", {}).get(name) or [])
    labels = declared + sorted(label for label in groups if label not in declared)

    rows = [
        _group_row(label, groups.get(label, {}), label == reference) for label in labels
    ]
    ratio = metrics.get("demographic_parity_ratio")
    chart = _charts.bar_chart(
        title=f"Selection rate by {name}",
        description=(
            f"Selection rate of each {name} group with its {confidence} interval."
        ),
        rows=[
            (
                f"{label} (reference)" if label == reference else label,
                groups.get(label, {}).get("selection_rate"),
                groups.get(label, {}).get("low"),
                groups.get(label, {}).get("high"),
                label == reference,
            )
            for label in labels
        ],
        limits=_parity_limits(name, results),
    )
    return AttributeView(
        name=name,
        column=metrics.get("column") or matrix.get("columns", {}).get(name) or name,
        reference=_format.value_text(reference),
        values=", ".join(labels),
        groups=rows,
        parity_difference=_format.points(metrics.get("demographic_parity_difference")),
        parity_ratio=_format.decimal(ratio),
        summary=_parity_summary(name, metrics),
        chart=chart,
    )


def _group_row(label: str, group: Mapping[str, Any], is_reference: bool) -> GroupRow:
    return GroupRow(
        label=label,
        is_reference=is_reference,
        count=_format.count(group.get("count")),
        selected=_format.count(group.get("selected")),
        rate=_format.percent(group.get("selection_rate")),
        interval=_format.interval(group.get("low"), group.get("high"), _format.percent),
        mean_score=(
            DASH
            if group.get("mean_score") is None
            else _format.decimal(group["mean_score"])
        ),
    )


def _parity_limits(name: str, results: Mapping[str, Any]) -> list[tuple[float, str]]:
    rates = [
        group["selection_rate"]
        for group in results["metrics"][name].get("groups", {}).values()
        if group.get("selection_rate") is not None
    ]
    if not rates or max(rates) == 0:
        return []
    return [
        (
            c["min"] * max(rates),
            f"{_format.decimal(c['min'])} {_format.TIMES} highest rate",
        )
        for c in results["criteria"]
        if c["metric"] == "demographic_parity_ratio"
        and c.get("attribute") == name
        and c.get("min") is not None
    ]


def _parity_summary(name: str, metrics: Mapping[str, Any]) -> str:
    difference = metrics.get("demographic_parity_difference")
    ratio = metrics.get("demographic_parity_ratio")
    if difference is None and ratio is None:
        return ""
    text = (
        f"Selection rates across {name} groups differ by "
        f"{_format.points(difference).replace(' pp', ' percentage points')}"
    )
    if ratio is None:
        return f"{text}; their ratio is undefined, because no group was selected."
    if ratio == 0:
        return f"{text}; the lowest is zero, so their ratio is 0."
    return f"{text}; the lowest is {_format.decimal(ratio)} times the highest."


def _flip_rates(
    results: Mapping[str, Any], attributes: Sequence[str], confidence: str
) -> list[FlipRate]:
    metrics = results["metrics"]
    scopes: list[tuple[str | None, str]] = [(None, _joint_label(attributes))]
    if len(attributes) > 1:
        scopes += [(name, f"{name} alone") for name in attributes]

    rows = []
    for attribute, label in scopes:
        flip = metrics.get(attribute or "joint", {}).get("flip_rate")
        if not flip:
            continue
        interval = _format.interval(flip.get("low"), flip.get("high"), _format.percent)
        value = _format.percent(flip.get("value"))
        ci = f", {confidence} CI {interval}" if flip.get("low") is not None else ""
        rows.append(
            FlipRate(
                scope=label,
                flipped=f"{_format.count(flip.get('count'))} of "
                f"{_format.count(flip.get('total'))}",
                rate=value,
                interval=interval,
                sentence=_flip_sentence(attribute, flip, attributes, value, ci),
            )
        )
    return rows


def _joint_label(attributes: Sequence[str]) -> str:
    if len(attributes) == 1:
        return attributes[0]
    return f"{f' {_format.TIMES} '.join(attributes)} (joint)"


def _flip_chart(
    results: Mapping[str, Any], attributes: Sequence[str], confidence: str
) -> _charts.BarChart:
    metrics = results["metrics"]
    scopes: list[tuple[str | None, str]] = [(None, _joint_label(attributes))]
    if len(attributes) > 1:
        scopes += [(name, f"{name} alone") for name in attributes]
    rows = []
    for attribute, label in scopes:
        flip = metrics.get(attribute or "joint", {}).get("flip_rate") or {}
        rows.append(
            (
                label,
                flip.get("value"),
                flip.get("low"),
                flip.get("high"),
                attribute is None,
            )
        )
    limits = _flip_limits(results, attributes)
    return _charts.bar_chart(
        title="Flip rates",
        description=(
            f"Share of profiles whose clones got different decisions, with the "
            f"{confidence} interval."
        ),
        rows=rows,
        limits=limits,
    )


def _flip_limits(
    results: Mapping[str, Any], attributes: Sequence[str]
) -> list[tuple[float, str]]:
    """One line per distinct flip rate limit, naming the scopes when limits differ."""
    scopes: dict[float, list[str]] = {}
    for criterion in results["criteria"]:
        if criterion["metric"] == "flip_rate" and criterion.get("max") is not None:
            scopes.setdefault(criterion["max"], []).append(
                _scope(criterion, attributes)
            )
    if len(scopes) == 1:
        return [(limit, f"max {_format.percent(limit)}") for limit in scopes]
    return [
        (limit, f"max {_format.percent(limit)} ({', '.join(names)})")
        for limit, names in sorted(scopes.items())
    ]


def _score_gaps(joint: Mapping[str, Any]) -> ScoreGaps | None:
    if joint.get("score_gap_mean") is None:
        return None
    mean = _format.decimal(joint["score_gap_mean"])
    largest = _format.decimal(joint.get("score_gap_max"))
    histogram = joint.get("score_gap_histogram")
    chart = None
    if histogram and histogram.get("counts"):
        chart = _charts.histogram(
            title="Score gaps",
            description=(
                "Number of profiles by the largest score difference between "
                "their clones."
            ),
            edges=histogram["edges"],
            counts=histogram["counts"],
        )
    summary = (
        "For each profile, the score gap is the largest difference in score "
        f"between its clones. It averages {mean}; the largest is {largest}. "
        "0 means every clone got the same score; 1 means the widest gap possible."
    )
    return ScoreGaps(mean=mean, max=largest, summary=summary, chart=chart)


# -- examples ----------------------------------------------------------------


def _example_columns(
    results: Mapping[str, Any], attributes: Sequence[str]
) -> list[str]:
    """Order the columns of the example rows: attributes first, then their codes,
    then what changed with them, then the profile's fields as declared."""
    rows = [row for example in results.get("examples", []) for row in example["rows"]]
    present = {key for row in rows for key in row} - {"profile_id", "decision", "score"}
    columns = results.get("matrix", {}).get("columns", {})
    declared = list(attributes) + [columns.get(name, name) for name in attributes]
    changed = sorted(
        key
        for example in results.get("examples", [])
        for key in present
        if _is_changed(example["rows"], key)
    )
    fields = list(results.get("population", {}).get("fields", []))
    ordered = []
    for key in declared + changed + fields + sorted(present):
        if key in present and key not in ordered:
            ordered.append(key)
    return ordered


def _is_changed(rows: Sequence[Mapping[str, Any]], key: str) -> bool:
    values = {json.dumps(row.get(key), sort_keys=True, default=str) for row in rows}
    return len(values) > 1


def _examples(results: Mapping[str, Any], attributes: Sequence[str]) -> Examples:
    columns = _example_columns(results, attributes)
    items = [
        _example(example, columns, results, attributes)
        for example in results.get("examples", [])
    ]
    return Examples(
        columns=columns,
        items=items,
        summary=_examples_summary(results, items),
        evidence=_evidence(items[0]) if items else None,
    )


def _example(
    example: Mapping[str, Any],
    columns: Sequence[str],
    results: Mapping[str, Any],
    attributes: Sequence[str],
) -> Example:
    column_names = results.get("matrix", {}).get("columns", {})
    encoded = {column_names.get(name) for name in attributes} - set(attributes)
    rows = example["rows"]
    changed = {key for key in columns if _is_changed(rows, key)}

    clones = [_clone(row, columns, changed, attributes) for row in rows]
    fields = [
        FieldRow(
            name=key,
            kind=_field_kind(key, attributes, encoded, changed),
            cells=[clone.cells[index] for clone in clones],
            is_changed=key in changed,
        )
        for index, key in enumerate(columns)
    ]
    return Example(
        profile_id=_format.value_text(example["profile_id"]),
        flipped=_format.join_words(example.get("flipped") or attributes),
        clones=clones,
        fields=fields,
        changed=[f.name for f in fields if f.is_changed],
        shared=[f for f in fields if not f.is_changed],
        # Beyond three clones, columns get too narrow: one row per clone reads better.
        is_wide=len(clones) > _SIDE_BY_SIDE,
    )


def _evidence(example: Example) -> str:
    """Say in one line how the first flipped profile's clones were decided."""
    selected = [c.heading for c in example.clones if c.decision.is_selected]
    rejected = [c.heading for c in example.clones if not c.decision.is_selected]
    if len(selected) <= len(rejected):
        first, second = ("selected", selected), ("not selected", rejected)
    else:
        first, second = ("not selected", rejected), ("selected", selected)

    named = _format.join_words(f"as {heading}" for heading in first[1])
    if len(second[1]) <= 2:
        others = _format.join_words(f"as {heading}" for heading in second[1])
    else:
        others = f"as the {_format.plural(len(second[1]), 'other clone')}"
    changed = _format.join_words(f.name for f in example.fields if f.is_changed)
    return (
        f"Profile {example.profile_id}, for example, was {first[0]} {named} but "
        f"{second[0]} {others}; its clones differed only in {changed}."
    )


def _field_kind(key: str, attributes: Sequence[str], encoded: set, changed: set) -> str:
    if key in attributes:
        return "attribute"
    if key in encoded:
        return "encoded"
    return "linked" if key in changed else "field"


def _clone(
    row: Mapping[str, Any],
    columns: Sequence[str],
    changed: set,
    attributes: Sequence[str],
) -> Clone:
    is_selected = bool(row.get("decision"))
    return Clone(
        heading=", ".join(
            f"{name} = {_format.value_text(row[name])}"
            for name in attributes
            if name in row
        ),
        cells=[
            Cell(_format.value_text(row.get(key)), key in changed) for key in columns
        ],
        changed_cells=[
            Cell(_format.value_text(row.get(key)), True)
            for key in columns
            if key in changed
        ],
        decision=Decision(
            text="selected" if is_selected else "not selected",
            symbol="✓" if is_selected else "✗",
            is_selected=is_selected,
        ),
        score=DASH if row.get("score") is None else _format.value_text(row["score"]),
    )


def _examples_summary(results: Mapping[str, Any], items: Sequence[Example]) -> str:
    flip = results["metrics"]["joint"].get("flip_rate") or {}
    flipped = flip.get("count") or 0
    if flipped == 0:
        return (
            "No profile flipped: every profile got the same decision on all its clones."
        )
    if not items:
        return (
            f"{_format.plural(flipped, 'profile')} flipped; the results include no "
            "examples (report.examples is 0)."
        )
    return (
        f"Showing {_format.count(len(items))} of "
        f"{_format.plural(flipped, 'flipped profile')}, "
        "lowest profile number first. Each profile's clones are identical except "
        "for the values marked as changed, yet the model decided differently."
    )


# -- limitations -------------------------------------------------------------


def _limitations(
    results: Mapping[str, Any],
    criteria: Sequence[CriterionRow],
    attributes: Sequence[str],
    confidence: str,
) -> Limitations:
    warnings = [str(w) for w in results.get("warnings", [])]
    caveats = [
        f"{c.label}: the {confidence} interval ({c.interval}) straddles the "
        f"requirement ({c.requirement}), so the evidence settles it neither way. "
        "A larger population would narrow the interval."
        for c in criteria
        if c.status == "inconclusive"
    ]
    caveats += [f"{c.label}: {c.measure}" for c in criteria if c.figure == UNDEFINED]
    caveats += _undefined_ratios(results, attributes, criteria)
    caveats += _imprecise(results, attributes, confidence, warnings)
    if not results.get("model", {}).get("has_scores", True):
        caveats.append("The model gives no scores, so score gaps were not measured.")
    return Limitations(
        caveats=caveats, warnings=warnings, scope=_scope_caveats(results)
    )


def _undefined_ratios(
    results: Mapping[str, Any],
    attributes: Sequence[str],
    criteria: Sequence[CriterionRow],
) -> list[str]:
    judged = {c.label for c in criteria if c.figure == UNDEFINED}
    return [
        f"The demographic parity ratio of {name} is undefined: no {name} group "
        "was selected, and a ratio over zero has no value."
        for name in attributes
        if results["metrics"][name].get("demographic_parity_ratio") is None
        and f"demographic_parity_ratio[{name}]" not in judged
    ]


def _imprecise(
    results: Mapping[str, Any],
    attributes: Sequence[str],
    confidence: str,
    warnings: Sequence[str],
) -> list[str]:
    """Say which attributes' selection rates rest on few clones or wide intervals."""
    notes = []
    for name in attributes:
        groups = results["metrics"][name].get("groups", {})
        widths = [
            group["high"] - group["low"]
            for group in groups.values()
            if group.get("low") is not None and group.get("high") is not None
        ]
        sizes = [group.get("count") or 0 for group in groups.values()]
        widest, smallest = max(widths, default=0.0), min(sizes, default=0)
        if widest <= _WIDE_INTERVAL and smallest >= _SMALL_GROUP:
            continue
        if any(name in warning for warning in warnings):
            continue
        notes.append(
            f"The selection rates of {name} rest on as few as "
            f"{_format.plural(smallest, 'clone')} per group; their {confidence} "
            f"intervals span up to {_format.percent(widest)[:-1]} percentage points."
        )
    return notes


def _scope_caveats(results: Mapping[str, Any]) -> list[str]:
    source = results.get("population", {}).get("source") or "synthetic"
    base = (
        "synthetic profiles, which are only as realistic as their declared "
        "distributions"
        if source == "synthetic"
        else f"records from {source}"
    )
    return [
        f"The results describe how the model treats these {base}. Applicants "
        "with other mixes of features may be treated differently.",
        "Only the protected attributes and their linked fields change between "
        "clones. A feature that stands in for an attribute (a name, a postcode, a "
        "school) stays fixed unless the audit declares it as linked, so "
        "discrimination through it is not measured.",
        "Selection rates compare clones of the same profiles. They show what "
        "changing the attribute does, not the rates a real population would "
        "see, and not whether any decision was correct: no true outcomes are "
        "involved.",
        "A pass means no criterion was breached on this evidence at this "
        "confidence level, not that the model is fair in every respect.",
    ]


# -- provenance --------------------------------------------------------------


def _provenance(results: Mapping[str, Any]) -> list[ProvenanceRow]:
    audit, model = results["audit"], results["model"]
    provenance = results.get("provenance") or {}
    matrix = results.get("matrix", {})
    rows = [
        ProvenanceRow("Audit file", audit.get("path") or DASH, True),
        ProvenanceRow("Audit SHA-256", audit.get("sha256") or DASH, True),
        ProvenanceRow("Model", _model_summary(model), True),
    ]
    if model.get("sha256"):
        rows.append(ProvenanceRow("Model SHA-256", model["sha256"], True))
    if model.get("features"):
        rows.append(ProvenanceRow("Model inputs", ", ".join(model["features"]), False))
    rows += [
        ProvenanceRow("Seed", str(results.get("seed", DASH)), False),
        ProvenanceRow(
            "Confidence level", _format.percent(results.get("confidence", 0.95)), False
        ),
    ]
    matrix_text = _format.plural(matrix.get("rows") or 0, "row")
    if matrix.get("path"):
        matrix_text += f", written to {matrix['path']}"
    rows.append(ProvenanceRow("Counterfactual matrix", matrix_text, False))
    rows += _environment(results, provenance)
    if results.get("created"):
        rows.append(ProvenanceRow("Created", str(results["created"]), False))
    return rows


def _environment(
    results: Mapping[str, Any], provenance: Mapping[str, Any]
) -> list[ProvenanceRow]:
    versions = provenance.get("versions") or {}
    rows = [
        ProvenanceRow("auditkit", str(results.get("auditkit_version", DASH)), False)
    ]
    if provenance.get("python"):
        rows.append(ProvenanceRow("Python", str(provenance["python"]), False))
    if provenance.get("platform"):
        rows.append(ProvenanceRow("Platform", str(provenance["platform"]), False))
    libraries = ", ".join(
        f"{name} {version}"
        for name, version in sorted(versions.items())
        if name != "auditkit"
    )
    if libraries:
        rows.append(ProvenanceRow("Libraries", libraries, False))
    git = provenance.get("git")
    if git and git.get("commit"):
        rows.append(ProvenanceRow("Git commit", git["commit"], True))
        changes = "yes: the run may not match the commit" if git.get("dirty") else "no"
        rows.append(ProvenanceRow("Uncommitted changes", changes, False))
    else:
        rows.append(ProvenanceRow("Git commit", "not in a git repository", False))
    return rows


def _properties(results: Mapping[str, Any]) -> list[ProvenanceRow]:
    """Key facts for the JUnit testsuite's properties."""
    audit = results["audit"]
    git = (results.get("provenance") or {}).get("git") or {}
    facts = [
        ("verdict", results["verdict"]),
        ("audit", audit.get("path")),
        ("audit_sha256", audit.get("sha256")),
        ("seed", results.get("seed")),
        ("confidence", results.get("confidence")),
        ("auditkit_version", results.get("auditkit_version")),
        ("git_commit", git.get("commit")),
    ]
    return [
        ProvenanceRow(name, str(value), False)
        for name, value in facts
        if value is not None
    ]
