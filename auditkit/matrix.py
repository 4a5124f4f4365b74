"""The counterfactual matrix: every base profile cloned once per combination.

Row ``profile * combinations + combination`` holds one clone; combinations
run over the cartesian product of the protected values in C order (the last
attribute varies fastest), so a chunk's decisions reshape to
``(profiles, *values_per_attribute)`` without copying. Everything but the
protected columns and their linked fields is identical across a profile's
clones.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .spec import ProtectedAttribute

__all__ = ["Design", "expand"]


@dataclass(frozen=True)
class Design:
    """The protected attributes of an audit and their cartesian product."""

    names: tuple[str, ...]
    labels: tuple[tuple[str, ...], ...]
    encodings: tuple[tuple[Any, ...], ...]
    columns: tuple[str, ...]
    references: tuple[str, ...]

    @classmethod
    def from_spec(cls, protected: Mapping[str, ProtectedAttribute]) -> Design:
        return cls(
            names=tuple(protected),
            labels=tuple(tuple(a.labels) for a in protected.values()),
            encodings=tuple(tuple(a.encodings) for a in protected.values()),
            columns=tuple(a.column or name for name, a in protected.items()),
            references=tuple(a.reference_label for a in protected.values()),
        )

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(labels) for labels in self.labels)

    @property
    def combinations(self) -> int:
        return int(np.prod(self.shape))

    def value_indices(self) -> np.ndarray:
        """``(combinations, attributes)`` array: each combination's value index."""
        ranges = [range(size) for size in self.shape]
        return np.array(list(itertools.product(*ranges)), dtype=np.intp).reshape(
            self.combinations, len(self.names)
        )

    def encoded_column(self, attribute: int, profiles: int) -> Any:
        """The model column of one attribute for ``profiles`` profiles' clones.

        String encodings become a categorical over the encodings, so the matrix
        holds small integer codes rather than one Python string per clone.
        """
        per_combination = self.value_indices()[:, attribute]
        encodings = self.encodings[attribute]
        if all(isinstance(value, str) for value in encodings):
            codes = np.tile(per_combination, profiles)
            return pd.Categorical.from_codes(codes, categories=pd.Index(encodings))
        return np.tile(np.asarray(encodings)[per_combination], profiles)

    def label_column(self, attribute: int, profiles: int) -> pd.Categorical[str]:
        """The label column of one attribute, as a categorical over its labels."""
        codes = self.value_indices()[:, attribute]
        return pd.Categorical.from_codes(
            np.tile(codes, profiles), categories=pd.Index(self.labels[attribute])
        )


def _repeated(column: pd.Series | np.ndarray, clones: int) -> Any:
    """Each profile's value once per clone, keeping the column's own type.

    Categoricals repeat their integer codes; numpy columns repeat in numpy;
    other pandas arrays (strings, nullable numbers) repeat without a detour
    through Python objects.
    """
    values = column.array if isinstance(column, pd.Series) else column
    if isinstance(values, pd.Categorical):
        codes = np.repeat(values.codes, clones)
        return pd.Categorical.from_codes(codes, dtype=values.dtype)
    if isinstance(column, pd.Series) and isinstance(column.dtype, np.dtype):
        return np.repeat(column.to_numpy(), clones)
    if isinstance(values, np.ndarray):
        return np.repeat(values, clones)
    return values.repeat(clones)


def _linked_column(
    values_by_label: Sequence[Any], design: Design, attribute: int
) -> Any:
    """Each clone's linked value: the value generated for its label."""
    chosen = design.value_indices()[:, attribute]
    arrays: list[Any] = [
        values.array if isinstance(values, pd.Series) else values
        for values in values_by_label
    ]
    if all(isinstance(values, pd.Categorical) for values in arrays):
        return _linked_categorical(arrays, chosen)
    if all(isinstance(values, np.ndarray) for values in arrays):
        dtypes = {values.dtype for values in arrays}
        if len(dtypes) == 1 and dtypes != {np.dtype(object)}:
            return np.stack(arrays, axis=1)[:, chosen].ravel()
    return _linked_objects(arrays, chosen)


def _linked_categorical(arrays: Sequence[pd.Categorical], chosen: np.ndarray) -> Any:
    union = pd.api.types.union_categoricals(list(arrays), ignore_order=True)
    dtype = pd.CategoricalDtype(union.categories)
    codes = np.stack(
        [values.set_categories(dtype.categories).codes for values in arrays], axis=1
    )
    return pd.Categorical.from_codes(codes[:, chosen].ravel(), dtype=dtype)


def _linked_objects(arrays: Sequence[Any], chosen: np.ndarray) -> Any:
    stacked = np.column_stack([np.asarray(values, dtype=object) for values in arrays])
    flat = stacked[:, chosen].ravel()
    try:
        return pd.array(flat).to_numpy() if flat.dtype == object else flat
    except (TypeError, ValueError):
        return flat


def expand(
    base: pd.DataFrame,
    design: Design,
    *,
    linked: Mapping[str, tuple[int, Sequence[Any]]] | None = None,
    columns: Sequence[str] | None = None,
    labels: bool = True,
) -> pd.DataFrame:
    """Clone ``base`` once per combination of protected values.

    Args:
        base: Base profiles; its index holds the profile ids.
        design: The protected attributes.
        linked: Linked field -> (attribute index, values per label, each one
            array over the base profiles).
        columns: Only these columns are materialised, in this order (the
            model's features); all columns when None.
        labels: Add ``profile_id`` and a label column per attribute.
    """
    linked = linked or {}
    profiles = len(base)
    clones = design.combinations
    protected = dict(zip(design.columns, range(len(design.names)), strict=True))
    wanted = list(columns) if columns is not None else None

    data: dict[str, Any] = {}
    if labels:
        data["profile_id"] = np.repeat(base.index.to_numpy(), clones)
        for index, name in enumerate(design.names):
            if name not in protected:
                data[name] = design.label_column(index, profiles)
    names = (
        wanted
        if wanted is not None
        else [
            *design.columns,
            *linked,
            *(c for c in base.columns if c not in protected),
        ]
    )
    for name in names:
        if name in protected:
            data[name] = design.encoded_column(protected[name], profiles)
        elif name in linked:
            attribute, values_by_label = linked[name]
            data[name] = _linked_column(values_by_label, design, attribute)
        else:
            data[name] = _repeated(base[name], clones)
    return pd.DataFrame(data, copy=False)
