"""Real records as base profiles: CSV, Parquet or JSON Lines, optionally sampled."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from ..errors import DataError
from ..spec import PopulationSpec
from ._blocks import BlockCache, stable_hash

__all__ = ["READERS", "load_records", "population_size"]

logger = logging.getLogger(__name__)

#: File suffixes read as records, and the format each names.
READERS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}

_RECORDS = BlockCache(capacity=4)


def population_size(spec: PopulationSpec, *, base_dir: Path, seed: int) -> int:
    """Number of base profiles: ``size``, else ``sample``, else the record count."""
    if spec.data is None:
        assert spec.size is not None  # guaranteed by PopulationSpec
        return spec.size
    records = load_records(spec, base_dir=base_dir, seed=seed)
    assert records is not None
    return len(records)


def load_records(
    spec: PopulationSpec, *, base_dir: Path, seed: int
) -> pd.DataFrame | None:
    """The records of ``spec.data``, sampled with the seed; None when synthetic.

    Sampled rows are drawn without replacement and kept in file order. The
    result is cached per file version, sample and seed, so chunks share one
    read; treat it as read-only.

    Raises:
        DataError: the file is missing, unreadable, of an unknown kind, or
            smaller than ``sample``.
    """
    if spec.data is None:
        return None
    path = (Path(base_dir) / spec.data).resolve()
    try:
        modified = path.stat().st_mtime_ns
    except OSError as err:
        raise DataError(
            f"records file not found: {path}",
            file=spec.data,
            hint="fix `population.data`; relative paths start at the audit's folder",
        ) from err
    cache_key = (str(path), modified, spec.sample, seed)
    records = cast("pd.DataFrame | None", _RECORDS.get(cache_key))
    if records is None:
        records = _sample(_read(path, spec.data), spec, seed)
        _RECORDS.put(cache_key, records)
        logger.info("loaded %d records from %s", len(records), path)
    return records.copy(deep=False)


def _read(path: Path, shown: str) -> pd.DataFrame:
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise DataError(
            f"cannot read records from a {path.suffix or 'suffix-less'} file",
            file=shown,
            hint=f"save the records as {', '.join(sorted(READERS))}",
        )
    try:
        if kind == "csv":
            records = pd.read_csv(path)
        elif kind == "jsonl":
            records = pd.read_json(path, lines=True)
        else:
            records = _read_parquet(path, shown)
    except DataError:
        raise
    except Exception as err:
        raise DataError(
            f"cannot read {kind} records: {err}",
            file=shown,
            hint=f"check that the file is valid {kind}",
        ) from err
    if records.empty:
        raise DataError("the records file has no rows", file=shown, hint="add records")
    return records.reset_index(drop=True)


def _read_parquet(path: Path, shown: str) -> pd.DataFrame:
    try:
        import pyarrow  # noqa: F401
    except ImportError as err:
        raise DataError(
            "reading Parquet records needs pyarrow",
            file=shown,
            hint='pip install "auditkit[parquet]"',
        ) from err
    return pd.read_parquet(path)


def _sample(records: pd.DataFrame, spec: PopulationSpec, seed: int) -> pd.DataFrame:
    if spec.sample is None:
        return records
    if spec.sample > len(records):
        raise DataError(
            f"sample ({spec.sample}) is larger than the {len(records)} records",
            file=spec.data,
            hint=f"set `sample` to at most {len(records)}, or remove it for all rows",
        )
    rng = np.random.default_rng([seed, stable_hash("records:sample")])
    rows = np.sort(rng.choice(len(records), size=spec.sample, replace=False))
    return records.iloc[rows].reset_index(drop=True)
