"""Run an audit: spec -> population -> matrix -> model -> statistics -> verdict.

The engine walks the population in chunks of whole random blocks. Each chunk
is generated, cloned, scored and reduced to :class:`~auditkit.metrics.ChunkStats`
on its own, so chunks can run in any order and in other processes; only the
merged counts reach the verdict.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import population
from .criteria import judge_all, verdict_of
from .errors import AuditError, AuditWarning, DataError
from .executors import map_chunks
from .loader import LoadedAudit, check_audit
from .matrix import Design, expand
from .metrics import ChunkStats, reduce_chunk, summarize
from .models import Model, load_model
from .results import AuditResult, provenance
from .spec import Audit

__all__ = ["DEFAULT_MAX_ROWS", "ChunkTask", "Plan", "plan_audit", "run_audit"]

logger = logging.getLogger(__name__)

#: Matrix rows (profiles x combinations) above which a run refuses to start.
DEFAULT_MAX_ROWS = 2_000_000_000
#: Matrix rows a chunk aims for: large enough to amortise the model call,
#: small enough to keep a chunk's columns in a few hundred MiB.
TARGET_CHUNK_ROWS = 1 << 19
#: Groups with fewer clones, and audits with fewer profiles, than these get
#: a caveat in the report.
SMALL_GROUP = 30
SMALL_POPULATION = 100

Progress = Callable[[int, int], None]


@dataclass
class Plan:
    """Everything a chunk needs, and nothing that depends on the chunking."""

    spec: Audit
    base_dir: Path
    seed: int
    size: int
    design: Design
    features: list[str]
    columns: list[str]
    records: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def rows(self) -> int:
        return self.size * self.design.combinations


@dataclass(frozen=True)
class ChunkTask:
    start: int
    stop: int


def _linked_fields(plan: Plan, start: int, stop: int) -> dict[str, tuple[int, list[Any]]]:
    linked = {}
    for index, (name, attribute) in enumerate(plan.spec.protected.items()):
        for field_name, by_label in attribute.linked.items():
            values = [
                population.generate_field(
                    by_label[label],
                    key=f"linked:{name}:{field_name}:{label}",
                    seed=plan.seed,
                    start=start,
                    stop=stop,
                    locale=plan.spec.population.locale,
                )
                for label in plan.design.labels[index]
            ]
            linked[field_name] = (index, values)
    return linked


def _base_profiles(plan: Plan, start: int, stop: int) -> pd.DataFrame:
    return population.generate(
        plan.spec.population,
        seed=plan.seed,
        start=start,
        stop=stop,
        base_dir=plan.base_dir,
        records=plan.records,
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _clone_rows(
    plan: Plan, base: pd.DataFrame, linked: dict, decisions: np.ndarray, scores: Any
) -> pd.DataFrame:
    """The full matrix of some profiles, with each clone's decision and score."""
    frame = expand(base, plan.design, linked=linked, columns=None, labels=True)
    frame["decision"] = decisions.reshape(-1)
    frame["score"] = scores.reshape(-1) if scores is not None else np.nan
    return frame


def _example_rows(
    plan: Plan, base: pd.DataFrame, linked: dict, profile_ids: list[int],
    decisions: np.ndarray, scores: np.ndarray | None,
) -> dict[int, dict]:
    """Clone rows of the flipped profiles shown in the report."""
    if not profile_ids:
        return {}
    positions = [profile_id - base.index[0] for profile_id in profile_ids]
    subset_linked = {
        name: (attribute, [np.asarray(values)[positions] for values in by_label])
        for name, (attribute, by_label) in linked.items()
    }
    frame = _clone_rows(
        plan,
        base.iloc[positions],
        subset_linked,
        decisions[positions],
        scores[positions] if scores is not None else None,
    )
    clones = plan.design.combinations
    examples = {}
    for offset, profile_id in enumerate(profile_ids):
        block = frame.iloc[offset * clones : (offset + 1) * clones]
        rows = [
            {key: _json_value(value) for key, value in record.items()}
            for record in block.to_dict(orient="records")
        ]
        for row in rows:
            row["decision"] = bool(row["decision"])
        flipped = [
            name
            for axis, name in enumerate(plan.design.names, start=1)
            if _varies(decisions[positions[offset]][None, ...], axis)
        ]
        examples[profile_id] = {"profile_id": profile_id, "flipped": flipped, "rows": rows}
    return examples


def _varies(decisions: np.ndarray, axis: int) -> bool:
    varies = decisions.max(axis=axis) != decisions.min(axis=axis)
    return bool(varies.any())


def score_chunk(
    plan: Plan, model: Model, task: ChunkTask, *, examples: int, keep_matrix: bool = False
) -> tuple[ChunkStats, pd.DataFrame | None]:
    """Generate, clone, score and reduce profiles ``[task.start, task.stop)``."""
    base = _base_profiles(plan, task.start, task.stop)
    linked = _linked_fields(plan, task.start, task.stop)

    features = expand(base, plan.design, linked=linked, columns=plan.features, labels=False)
    decided, scored = model.decide(features)
    shape = (len(base), *plan.design.shape)
    decisions = np.asarray(decided, dtype=bool).reshape(shape)
    scores = None if scored is None else np.asarray(scored, dtype=np.float64).reshape(shape)

    stats = reduce_chunk(decisions, scores, first_profile=task.start, examples=examples)
    stats.example_rows = _example_rows(plan, base, linked, stats.examples, decisions, scores)
    matrix = _clone_rows(plan, base, linked, decisions, scores) if keep_matrix else None
    return stats, matrix


def _chunk_tasks(size: int, chunk_size: int) -> Iterator[ChunkTask]:
    for start in range(0, size, chunk_size):
        yield ChunkTask(start, min(start + chunk_size, size))


def _auto_chunk_size(plan: Plan) -> int:
    """Profiles per chunk: about TARGET_CHUNK_ROWS matrix rows, whole random blocks."""
    block = population.BLOCK_SIZE
    blocks = max(1, TARGET_CHUNK_ROWS // (plan.design.combinations * block))
    return blocks * block


def _available_columns(plan_spec: Audit, base_columns: list[str], design: Design) -> list[str]:
    """Columns the audit makes for the model, in order: base, protected, linked."""
    hidden = {name for name, f in plan_spec.population.fields.items() if not f.input}
    protected = set(design.columns)
    linked = [
        name
        for attribute in plan_spec.protected.values()
        for name, by_label in attribute.linked.items()
        if all(f.input for f in by_label.values())
    ]
    base = [c for c in base_columns if c not in hidden and c not in protected]
    return [*base, *design.columns, *linked]


def plan_audit(
    audit: LoadedAudit, *, size: int | None = None, seed: int | None = None
) -> tuple[Plan, Model]:
    """Load the model and records and fix everything the chunks share."""
    spec = audit.spec
    seed = spec.seed if seed is None else seed
    records = population.load_records(spec.population, base_dir=audit.base_dir, seed=seed)
    available = population.population_size(spec.population, base_dir=audit.base_dir, seed=seed)
    if size is not None and records is not None and size > available:
        raise DataError(
            f"--size {size} is more than the {available} records in "
            f"{spec.population.data}",
            hint="lower --size, or leave it out to use every record",
        )
    size = size or available
    if records is not None:
        records = records.iloc[:size]
    model = load_model(spec.model, audit.base_dir)
    design = Design.from_spec(spec.protected)

    sample = population.generate(
        spec.population, seed=seed, start=0, stop=min(1, size), base_dir=audit.base_dir,
        records=records,
    )
    columns = _available_columns(spec, list(sample.columns), design)
    features = model.feature_names(columns)
    logger.info("model %s reads %s", model.description.get("type"), features)
    plan = Plan(spec, audit.base_dir, seed, size, design, features, columns, records)
    return plan, model


def _check_size(plan: Plan, max_rows: int | None) -> None:
    limit = DEFAULT_MAX_ROWS if max_rows is None else max_rows
    if plan.rows > limit:
        raise AuditError(
            f"the matrix would have {plan.rows:,} rows ({plan.size:,} profiles x "
            f"{plan.design.combinations} combinations), above the limit of {limit:,}",
            hint="lower population.size or --size, or raise the limit with --max-rows",
        )


def _caveats(metrics: dict, plan: Plan) -> list[str]:
    caveats = []
    if plan.size < SMALL_POPULATION:
        caveats.append(
            f"only {plan.size} base profiles: every figure is imprecise; "
            "raise population.size"
        )
    for name in plan.design.names:
        for label, group in metrics[name]["groups"].items():
            if group["count"] < SMALL_GROUP:
                caveats.append(
                    f"group {label!r} of {name} has {group['count']} clones; "
                    "its selection rate is imprecise"
                )
    return caveats


def run_audit(
    audit: LoadedAudit | str | Path,
    *,
    size: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    max_rows: int | None = None,
    progress: Progress | None = None,
    matrix_sink: Callable[[pd.DataFrame], None] | None = None,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
) -> AuditResult:
    """Run an audit and return its result; nothing is written.

    Args:
        audit: A loaded audit, or the path of an audit file.
        size: Number of base profiles, overriding the audit file.
        seed: Seed, overriding the audit file.
        chunk_size: Profiles per chunk; chosen from the matrix width when None.
            Results do not depend on it.
        max_rows: Refuse to start when the matrix has more rows than this.
        progress: Called with (profiles done, profiles in all) after each chunk.
        matrix_sink: Receives every chunk of the full matrix, in profile order.
        workers: Processes that score chunks; figures do not depend on it.
        executor: ``local`` (this machine) or ``dask`` (a dask.distributed cluster).
        scheduler: Address of the dask scheduler, with ``executor="dask"``.

    Raises:
        AuditError: The audit, its data or its model is unusable.
    """
    if not isinstance(audit, LoadedAudit):
        audit = check_audit(audit)
    plan, model = plan_audit(audit, size=size, seed=seed)
    _check_size(plan, max_rows)
    chunk_size = chunk_size or _auto_chunk_size(plan)
    examples = audit.spec.report.examples
    logger.info(
        "auditing %s profiles x %s combinations in chunks of %s",
        plan.size, plan.design.combinations, chunk_size,
    )

    tasks = list(_chunk_tasks(plan.size, chunk_size))
    chunks = map_chunks(
        plan, model, tasks, examples=examples, keep_matrix=matrix_sink is not None,
        workers=workers, executor=executor, scheduler=scheduler,
    )
    merged = ChunkStats.empty(plan.design.shape, has_scores=model.has_scores)
    for task, (stats, matrix) in zip(tasks, chunks, strict=True):
        merged = merged.merge(stats, examples=examples)
        if matrix_sink is not None and matrix is not None:
            matrix_sink(matrix)
        if progress is not None:
            progress(task.stop, plan.size)
    return _result(audit, plan, model, merged)


def _result(audit: LoadedAudit, plan: Plan, model: Model, stats: ChunkStats) -> AuditResult:
    spec = audit.spec
    design = plan.design
    attributes = {name: list(labels) for name, labels in zip(design.names, design.labels)}
    metrics = summarize(
        stats,
        attributes,
        columns=dict(zip(design.names, design.columns)),
        references=dict(zip(design.names, design.references)),
        confidence=spec.confidence,
    )
    judgements = judge_all(spec.criteria, metrics)
    caveats = _caveats(metrics, plan)
    for caveat in caveats:
        warnings.warn(caveat, AuditWarning, stacklevel=3)
    logger.info("scored %s rows", f"{plan.rows:,}")
    origin, audit_path = provenance(audit)

    return AuditResult(
        audit=audit,
        seed=plan.seed,
        verdict=verdict_of(judgements),
        metrics=metrics,
        criteria=[j.to_dict() for j in judgements],
        examples=[stats.example_rows[i] for i in stats.examples if i in stats.example_rows],
        model={
            **model.description,
            "favorable": _json_value(model.favorable),
            "threshold": model.threshold,
            "features": plan.features,
            "has_scores": model.has_scores,
        },
        population={
            "size": plan.size,
            "source": spec.population.data or "synthetic",
            "locale": spec.population.locale,
            "fields": list(spec.population.fields),
        },
        matrix={
            "rows": plan.rows,
            "combinations": design.combinations,
            "attributes": attributes,
            "columns": dict(zip(design.names, design.columns)),
            "references": dict(zip(design.names, design.references)),
            "path": None,
        },
        warnings=caveats,
        provenance=origin,
        audit_path=audit_path,
    )
