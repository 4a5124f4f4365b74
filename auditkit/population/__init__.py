"""The population stage: base profiles, synthetic or from real records.

Every random column is keyed by (seed, key, block of profile indices), so a
chunk ``[start, stop)`` holds the same values however the population is cut
into chunks and whichever process draws it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import Problem, SpecError
from ..spec import ExpressionField, PopulationSpec
from ._blocks import BLOCK_SIZE
from .expressions import ExpressionError, order_expressions
from .fields import check_fields, generate_field
from .providers import ProviderInfo, list_providers
from .records import load_records, population_size

__all__ = [
    "BLOCK_SIZE",
    "ProviderInfo",
    "check_fields",
    "column_names",
    "generate",
    "generate_field",
    "list_providers",
    "load_records",
    "population_size",
]


def generate(
    spec: PopulationSpec,
    *,
    seed: int,
    start: int,
    stop: int,
    base_dir: Path,
    records: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Base profiles ``[start, stop)``, indexed by profile index.

    With records, the record columns come first, then the fields in
    declaration order; a field named like a record column replaces it.
    Expression fields are computed last, each after the fields it uses.

    Args:
        spec: the population declaration.
        seed: the audit's seed.
        start: first profile index.
        stop: profile index after the last.
        base_dir: folder that ``spec.data`` is relative to.
        records: the loaded records, to skip :func:`load_records`.
    """
    index = pd.RangeIndex(start, stop)
    if records is None:
        records = load_records(spec, base_dir=base_dir, seed=seed)
    columns: dict[str, Any] = {}
    if records is not None:
        if stop > len(records):
            raise ValueError(f"profiles up to {stop} asked of {len(records)} records")
        for name in records.columns:
            if name not in spec.fields:
                columns[name] = records[name].iloc[start:stop].values

    expressions = {}
    for name, field in spec.fields.items():
        if isinstance(field, ExpressionField):
            expressions[name] = field.expression
            continue
        column = generate_field(
            field, key=name, seed=seed, start=start, stop=stop, locale=spec.locale
        )
        # .values keeps categoricals as categoricals and numbers as numpy
        columns[name] = column.values if isinstance(column, pd.Series) else column
    # One block per column and no reordering copy: a chunk's columns are
    # built once and handed to the matrix as they are.
    frame = pd.DataFrame(columns, index=index, copy=False)

    for name in _ordered(expressions):
        frame[name] = generate_field(
            spec.fields[name],
            key=name,
            seed=seed,
            start=start,
            stop=stop,
            locale=spec.locale,
            frame=frame,
        )
    wanted = column_names(spec, records)
    return frame if list(frame.columns) == wanted else frame[wanted]


def column_names(spec: PopulationSpec, records: pd.DataFrame | None) -> list[str]:
    """Columns of the profiles, in order: record columns not replaced, then fields.

    Known without generating anything.
    """
    kept = (
        [] if records is None else [c for c in records.columns if c not in spec.fields]
    )
    return [*kept, *spec.fields]


def _ordered(expressions: dict[str, str]) -> list[str]:
    try:
        return order_expressions(expressions)
    except ExpressionError as err:
        name = next(iter(expressions))
        raise SpecError([Problem(str(err), (name, "expression"))]) from err
