"""Turning drawn blocks into columns: slicing, joining and typing values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd

__all__ = ["Column", "join_pieces", "take", "typed_values"]

Column = np.ndarray | pd.Categorical


def join_pieces(pieces: Sequence[tuple[Column, int, int]]) -> Column:
    """Concatenate ``values[first:last]`` of every piece into one column."""
    head = pieces[0][0]
    if isinstance(head, pd.Categorical):
        coded = [(cast(pd.Categorical, values), a, b) for values, a, b in pieces]
        codes = np.concatenate([values.codes[a:b] for values, a, b in coded])
        return pd.Categorical.from_codes(codes, dtype=head.dtype)
    if len(pieces) == 1:
        values, first, last = pieces[0]
        return values[first:last].copy()
    return np.concatenate([values[a:b] for values, a, b in pieces])


def typed_values(values: Sequence[object]) -> tuple[Column, np.ndarray | None]:
    """A lookup column for ``values`` and the code of each value, when coded.

    Strings become a categorical of their distinct values (first appearance
    order) and codes into it; booleans, integers and floats a numpy array of
    their own dtype; anything else an object array.
    """
    if values and all(isinstance(value, str) for value in values):
        categories = list(dict.fromkeys(values))
        position = {value: code for code, value in enumerate(categories)}
        codes = np.fromiter((position[v] for v in values), np.int32, len(values))
        dtype = pd.CategoricalDtype(pd.Index(categories))
        return pd.Categorical.from_codes(codes, dtype=dtype), codes
    return _numpy_values(values), None


def _numpy_values(values: Sequence[object]) -> np.ndarray:
    kinds = {type(value) for value in values}
    if kinds == {bool}:
        return np.array(values, dtype=bool)
    if kinds and kinds <= {int} and _fits_int64(values):
        return np.array(values, dtype=np.int64)
    if kinds and kinds <= {int, float}:
        return np.array(values, dtype=np.float64)
    array = np.empty(len(values), dtype=object)
    array[:] = list(values)
    return array


def _fits_int64(values: Sequence[object]) -> bool:
    limit = np.iinfo(np.int64)
    return all(limit.min <= value <= limit.max for value in values)  # type: ignore[operator]


def take(lookup: Column, codes: np.ndarray | None, positions: np.ndarray) -> Column:
    """Values at ``positions`` of a lookup built by :func:`typed_values`."""
    if codes is not None:
        dtype = cast(pd.CategoricalDtype, lookup.dtype)
        return pd.Categorical.from_codes(codes[positions], dtype=dtype)  # type: ignore[arg-type]
    return lookup[positions]
