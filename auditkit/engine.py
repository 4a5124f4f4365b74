"""Run an audit: spec -> population -> matrix -> model -> statistics -> verdict.

The engine walks the population in chunks of whole random blocks. Each chunk
is generated, cloned, scored and reduced to :class:`~auditkit.metrics.ChunkStats`
on its own, so chunks can run in any order and in other processes; only the
merged counts reach the verdict.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import time
import warnings
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import population
from .criteria import judge_all, verdict_of
from .errors import AuditError, AuditWarning, DataError
from .executors import check_executor, map_chunks
from .loader import LoadedAudit, check_audit
from .matrix import Design, expand
from .metrics import ChunkStats, reduce_chunk, summarize, varies_along
from .models import Model, load_model
from .population.expressions import expression_names
from .results import AuditResult, provenance
from .spec import Audit, ExpressionField, FieldSpec, PopulationSpec

__all__ = ["DEFAULT_MAX_ROWS", "ChunkTask", "Plan", "plan_audit", "run_audit"]

logger = logging.getLogger(__name__)

#: Matrix rows (profiles x combinations) above which a run refuses to start.
DEFAULT_MAX_ROWS = 2_000_000_000
#: Matrix rows a chunk holds at most. Past this a model call is no faster,
#: and a chunk's columns fall out of the processor's cache between
#: generating, cloning, scoring and reducing: at 2**18 rows a cheap model's
#: audit ran 10-15% faster than at 2**19 (tests/benchmarks/bench_engine.py).
TARGET_CHUNK_ROWS = 1 << 18
#: Working memory of one chunk: an eighth of what the machine has free,
#: shared by the chunks in flight, within these bounds.
CHUNK_MEMORY_MIN = 32 << 20
CHUNK_MEMORY_MAX = 256 << 20
#: Seconds between progress lines in the log.
LOG_EVERY = 10.0
#: Groups with fewer clones, and audits with fewer profiles, than these get
#: a caveat in the report.
SMALL_GROUP = 30
SMALL_POPULATION = 100

Progress = Callable[[int, int], None]


@dataclass
class Plan:
    """Everything a chunk needs, and nothing that depends on the chunking.

    ``model_population`` is the population cut down to the fields the model
    reads and the fields those are computed from: scoring generates only
    these, while the matrix file and the examples get every field.
    """

    spec: Audit
    base_dir: Path
    seed: int
    size: int
    design: Design
    features: list[str]
    columns: list[str]
    records: pd.DataFrame | None = field(default=None, repr=False)
    model_population: PopulationSpec | None = field(default=None, repr=False)

    @property
    def rows(self) -> int:
        return self.size * self.design.combinations


@dataclass(frozen=True)
class ChunkTask:
    start: int
    stop: int


def _linked_fields(
    plan: Plan, start: int, stop: int, names: Collection[str] | None = None
) -> dict[str, tuple[int, list[Any]]]:
    """Linked fields of profiles ``[start, stop)``: all, or only ``names``."""
    linked = {}
    for index, (name, attribute) in enumerate(plan.spec.protected.items()):
        for field_name, by_label in attribute.linked.items():
            if names is not None and field_name not in names:
                continue
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


def _base_profiles(
    plan: Plan, start: int, stop: int, *, full: bool = True
) -> pd.DataFrame:
    """Base profiles ``[start, stop)``: every field, or what the model reads."""
    spec = plan.spec.population
    if not full and plan.model_population is not None:
        spec = plan.model_population
    return population.generate(
        spec,
        seed=plan.seed,
        start=start,
        stop=stop,
        base_dir=plan.base_dir,
        records=plan.records,
    )


def _model_population(spec: Audit, features: list[str]) -> PopulationSpec:
    """The population with only the fields the model reads, directly or not.

    Draws are keyed by field name, so leaving a field out changes no other
    field's values.
    """
    fields = spec.population.fields
    wanted = [name for name in features if name in fields]
    needed: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in needed:
            continue
        needed.add(name)
        declared: FieldSpec = fields[name]
        if isinstance(declared, ExpressionField):
            used = expression_names(declared.expression)
            wanted.extend(other for other in used if other in fields)
    kept = {name: declared for name, declared in fields.items() if name in needed}
    return spec.population.model_copy(update={"fields": kept})


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


def _examples(plan: Plan, clones: dict[int, dict]) -> dict[int, dict]:
    """The flipped profiles the report shows, with every clone and column.

    Args:
        clones: Profile id -> its ``decisions`` and ``scores``, shaped like
            the design, as :func:`score_chunk` keeps them.

    The profiles of one random block are generated and cloned together.
    """
    examples = {}
    ids = sorted(clones)
    for _, group in itertools.groupby(ids, key=lambda i: i // population.BLOCK_SIZE):
        members = list(group)
        start, stop = members[0], members[-1] + 1
        positions = np.asarray(members) - start
        base = _base_profiles(plan, start, stop).iloc[positions]
        linked = {
            name: (attribute, [_take(values, positions) for values in by_label])
            for name, (attribute, by_label) in _linked_fields(plan, start, stop).items()
        }
        decisions = np.stack([clones[i]["decisions"] for i in members])
        scores = None
        if clones[members[0]]["scores"] is not None:
            scores = np.stack([clones[i]["scores"] for i in members])
        frame = _clone_rows(plan, base, linked, decisions, scores)
        rows = frame.to_dict(orient="records")
        width = plan.design.combinations
        for offset, profile_id in enumerate(members):
            examples[profile_id] = _example(
                plan,
                profile_id,
                rows[offset * width : (offset + 1) * width],
                decisions[offset],
            )
    return examples


def _take(values: Any, positions: np.ndarray) -> Any:
    if isinstance(values, pd.Series):
        return values.iloc[positions]
    return values[positions]


def _example(
    plan: Plan, profile_id: int, records: list[dict], decisions: np.ndarray
) -> dict:
    """One profile's clones as rows of plain values, and what flipped."""
    rows = [
        {key: _json_value(value) for key, value in record.items()} for record in records
    ]
    for row in rows:
        row["decision"] = bool(row["decision"])
    flipped = [
        name
        for axis, name in enumerate(plan.design.names, start=1)
        if varies_along(decisions[None, ...], axis)[0]
    ]
    return {"profile_id": profile_id, "flipped": flipped, "rows": rows}


def score_chunk(
    plan: Plan,
    model: Model,
    task: ChunkTask,
    *,
    examples: int,
    keep_matrix: bool = False,
) -> tuple[ChunkStats, pd.DataFrame | None]:
    """Generate, clone, score and reduce profiles ``[task.start, task.stop)``.

    Only the columns the model reads are generated and cloned, unless the
    matrix file needs every column. The statistics keep the decisions and
    scores of the chunk's first ``examples`` flipped profiles; :func:`run_audit`
    turns the few that make the report into rows once all chunks are merged.
    """
    base = _base_profiles(plan, task.start, task.stop, full=keep_matrix)
    linked = _linked_fields(
        plan, task.start, task.stop, names=None if keep_matrix else plan.features
    )
    features = expand(
        base, plan.design, linked=linked, columns=plan.features, labels=False
    )

    decided, scored = model.decide(features)
    shape = (len(base), *plan.design.shape)
    decisions = np.asarray(decided, dtype=bool).reshape(shape)
    scores = None
    if scored is not None:
        scores = np.asarray(scored, dtype=np.float64).reshape(shape)

    stats = reduce_chunk(
        _profile_columns(decisions),
        None if scores is None else _profile_columns(scores),
        first_profile=task.start,
        examples=examples,
    )
    stats.example_rows = {
        profile_id: {
            "decisions": decisions[profile_id - task.start].copy(),
            "scores": None
            if scores is None
            else scores[profile_id - task.start].copy(),
        }
        for profile_id in stats.examples
    }
    matrix = _clone_rows(plan, base, linked, decisions, scores) if keep_matrix else None
    return stats, matrix


def _profile_columns(values: np.ndarray) -> np.ndarray:
    """One attribute's clones as columns: numpy then reduces each profile's
    clones with whole-column operations, several times faster than row by row.
    """
    return np.asfortranarray(values) if values.ndim == 2 else values


def _chunk_tasks(size: int, chunk_size: int) -> Iterator[ChunkTask]:
    for start in range(0, size, chunk_size):
        yield ChunkTask(start, min(start + chunk_size, size))


def _available_memory() -> int | None:
    """Bytes this process can still use: free memory, within a cgroup limit."""
    available = None
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, OSError, ValueError):
            return None
    try:
        cgroup = Path("/sys/fs/cgroup")
        limit = (cgroup / "memory.max").read_text().strip()
        if limit != "max":
            used = int((cgroup / "memory.current").read_text())
            left = max(int(limit) - used, 0)
            available = left if available is None else min(available, left)
    except (OSError, ValueError):
        pass
    return available


def _row_bytes(plan: Plan) -> int:
    """Bytes of working memory per matrix row, generously: the clones'
    features, the model's own copy of them, its outputs and the statistics'
    copies, plus the row's share of its base profile."""
    per_clone = 24 * len(plan.features) + 64
    per_profile = 64 * (len(plan.columns) + 1)
    return per_clone + per_profile // plan.design.combinations


def _auto_chunk_size(plan: Plan, *, workers: int = 1) -> int:
    """Profiles per chunk, from the memory free and the matrix width.

    A chunk gets an eighth of the free memory, shared by the chunks in flight
    (one being generated while one is scored, or one per worker), within
    CHUNK_MEMORY_MIN and CHUNK_MEMORY_MAX, and holds at most TARGET_CHUNK_ROWS
    rows. Chunks are whole random blocks when a block fits, else a divisor
    of the block size, so no chunk draws a block it only partly uses.
    """
    available = _available_memory()
    budget = CHUNK_MEMORY_MAX if available is None else available // 8
    budget //= max(2, workers)
    budget = min(max(budget, CHUNK_MEMORY_MIN), CHUNK_MEMORY_MAX)
    rows = min(budget // _row_bytes(plan), TARGET_CHUNK_ROWS)
    profiles = max(1, rows // plan.design.combinations)
    block = population.BLOCK_SIZE
    if profiles >= block:
        return profiles // block * block
    while block % profiles:
        profiles -= 1
    return profiles


def _available_columns(
    plan_spec: Audit, base_columns: list[str], design: Design
) -> list[str]:
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
    audit: LoadedAudit,
    *,
    size: int | None = None,
    seed: int | None = None,
    max_rows: int | None = None,
) -> tuple[Plan, Model]:
    """Load the model and records and fix everything the chunks share.

    The matrix size is checked against ``max_rows`` (default
    DEFAULT_MAX_ROWS) before the model is loaded or any profile generated.
    """
    spec = audit.spec
    seed = spec.seed if seed is None else seed
    records = population.load_records(
        spec.population, base_dir=audit.base_dir, seed=seed
    )
    available = population.population_size(
        spec.population, base_dir=audit.base_dir, seed=seed
    )
    if size is not None and records is not None and size > available:
        raise DataError(
            f"--size {size} is more than the {available} records in "
            f"{spec.population.data}",
            hint="lower --size, or leave it out to use every record",
        )
    size = size or available
    design = Design.from_spec(spec.protected)
    _check_size(size, design, max_rows)
    if records is not None:
        records = records.iloc[:size]
    model = load_model(spec.model, audit.base_dir)

    base_columns = population.column_names(spec.population, records)
    columns = _available_columns(spec, base_columns, design)
    features = model.feature_names(columns)
    logger.info("model %s reads %s", model.description.get("type"), features)
    plan = Plan(
        spec,
        audit.base_dir,
        seed,
        size,
        design,
        features,
        columns,
        records,
        model_population=_model_population(spec, features),
    )
    return plan, model


def _check_size(size: int, design: Design, max_rows: int | None) -> None:
    """Refuse a matrix above the limit, before any work is done."""
    limit = DEFAULT_MAX_ROWS if max_rows is None else max_rows
    rows = size * design.combinations
    if rows > limit:
        raise AuditError(
            f"the matrix would have {rows:,} rows ({size:,} profiles x "
            f"{design.combinations} combinations), above the limit of {limit:,}",
            hint="lower population.size or --size, or raise the limit: "
            f"--max-rows {rows} on the command line, max_rows={rows} in Python",
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
            Worker processes are started afresh and import the calling
            script, so a script passing ``workers > 1`` must guard its entry
            point with ``if __name__ == "__main__":``.
        executor: ``local`` (this machine) or ``dask`` (a dask.distributed cluster).
        scheduler: Address of the dask scheduler, with ``executor="dask"``;
            dask's configured address, else a local cluster of ``workers``
            processes, when None.

    Raises:
        AuditError: The audit, its data or its model is unusable.
    """
    if not isinstance(audit, LoadedAudit):
        audit = check_audit(audit)
    _check_chunk_size(chunk_size)
    check_executor(executor, scheduler, workers)
    plan, model = plan_audit(audit, size=size, seed=seed, max_rows=max_rows)
    chunk_size = chunk_size or _auto_chunk_size(plan, workers=workers)
    examples = audit.spec.report.examples
    logger.info(
        "auditing %s profiles x %s combinations in chunks of %s",
        f"{plan.size:,}",
        plan.design.combinations,
        f"{chunk_size:,}",
    )

    tasks = list(_chunk_tasks(plan.size, chunk_size))
    chunks = map_chunks(
        plan,
        model,
        tasks,
        examples=examples,
        keep_matrix=matrix_sink is not None,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
    )
    merged = ChunkStats.empty(plan.design.shape, has_scores=model.has_scores)
    pace = _Pace(plan.rows)
    for task, (stats, matrix) in zip(tasks, chunks, strict=True):
        merged = merged.merge(stats, examples=examples)
        if matrix_sink is not None and matrix is not None:
            matrix_sink(matrix)
        pace.advance(task.stop * plan.design.combinations)
        if progress is not None:
            progress(task.stop, plan.size)
    merged.example_rows = _examples(
        plan, {i: merged.example_rows[i] for i in merged.examples}
    )
    return _result(audit, plan, model, merged)


def _check_chunk_size(chunk_size: int | None) -> None:
    if chunk_size is not None and chunk_size < 1:
        raise AuditError(
            f"chunk size must be at least 1 profile, got {chunk_size}",
            hint="leave --chunk-size out to choose it from the memory free",
        )


class _Pace:
    """Logs rows scored, rows a second and time left, every LOG_EVERY seconds."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.started = self.logged = time.perf_counter()

    def advance(self, done: int) -> None:
        now = time.perf_counter()
        if now - self.logged < LOG_EVERY or done >= self.rows:
            return
        self.logged = now
        speed = done / (now - self.started)
        logger.info(
            "scored %s of %s rows, %s rows/s, about %s s left",
            f"{done:,}",
            f"{self.rows:,}",
            f"{speed:,.0f}",
            f"{(self.rows - done) / speed:,.0f}",
        )


def _result(
    audit: LoadedAudit, plan: Plan, model: Model, stats: ChunkStats
) -> AuditResult:
    spec = audit.spec
    design = plan.design
    attributes = {
        name: list(labels)
        for name, labels in zip(design.names, design.labels, strict=True)
    }
    metrics = summarize(
        stats,
        attributes,
        columns=dict(zip(design.names, design.columns, strict=True)),
        references=dict(zip(design.names, design.references, strict=True)),
        confidence=spec.confidence,
    )
    judgements = judge_all(spec.criteria, metrics, spec.confidence)
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
        examples=[
            stats.example_rows[i] for i in stats.examples if i in stats.example_rows
        ],
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
            "columns": dict(zip(design.names, design.columns, strict=True)),
            "references": dict(zip(design.names, design.references, strict=True)),
            "path": None,
        },
        warnings=caveats,
        provenance=origin,
        audit_path=audit_path,
    )
