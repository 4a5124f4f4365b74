"""One population column per field: dispatch by kind, and static checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..errors import Problem, SpecError
from ..spec import (
    ChoiceField,
    DistributionField,
    ExpressionField,
    FieldSpec,
    ProviderField,
    ValueField,
)
from ._blocks import draw_by_block
from ._columns import Column, join_pieces, take, typed_values
from .distributions import check_distribution, generate_distribution
from .expressions import ExpressionError, check_expressions, evaluate
from .providers import check_locale, check_provider, generate_provider

__all__ = ["check_fields", "generate_field"]


def generate_field(
    field: FieldSpec,
    *,
    key: str,
    seed: int,
    start: int,
    stop: int,
    locale: str,
    frame: pd.DataFrame | None = None,
) -> np.ndarray | pd.Series:
    """One column for profiles ``[start, stop)``.

    Args:
        field: the field's declaration.
        key: names the random stream; the same key, seed and profile index
            always give the same value, whatever the chunk.
        seed: the audit's seed.
        start: first profile index.
        stop: profile index after the last.
        locale: Mimesis locale for provider fields.
        frame: the other columns of these profiles, for expression fields.

    Returns:
        A numpy array, or a Series (categorical strings, expression results)
        indexed by profile index.
    """
    index = pd.RangeIndex(start, stop)
    if isinstance(field, ExpressionField):
        if frame is None:
            raise ValueError("an expression field needs the frame of other columns")
        try:
            return evaluate(field.expression, frame).set_axis(index)
        except ExpressionError as err:
            raise SpecError([Problem(str(err), (key, "expression"))]) from err
    if isinstance(field, ValueField):
        return _constant(field.value, stop - start)
    if isinstance(field, ChoiceField):
        column = _choice(field, key=key, seed=seed, start=start, stop=stop)
    elif isinstance(field, DistributionField):
        column = generate_distribution(
            field, key=key, seed=seed, start=start, stop=stop
        )
    elif isinstance(field, ProviderField):
        column = generate_provider(
            field, key=key, seed=seed, start=start, stop=stop, locale=locale
        )
    else:
        raise TypeError(f"not a field: {field!r}")
    if isinstance(column, pd.Categorical):
        return pd.Series(column, index=index, copy=False)
    return column


def _constant(value: object, size: int) -> np.ndarray:
    if isinstance(value, bool | int | float) and not (
        isinstance(value, int) and abs(value) >= 2**63
    ):
        return np.full(size, value)
    column = np.empty(size, dtype=object)
    column[:] = [value] * size
    return column


def _choice(
    field: ChoiceField, *, key: str, seed: int, start: int, stop: int
) -> Column:
    lookup, codes = typed_values(field.choice)
    count = len(field.choice)
    weights = None
    if field.weights is not None:
        weights = np.asarray(field.weights, dtype=np.float64)
        weights /= weights.sum()

    def draw(rng: np.random.Generator, size: int) -> Column:
        if weights is None:
            positions = rng.integers(0, count, size)
        else:
            positions = rng.choice(count, size=size, p=weights)
        return take(lookup, codes, positions)

    identity = ("choice", field.model_dump_json())
    pieces = draw_by_block(
        draw, seed=seed, key=key, start=start, stop=stop, identity=identity
    )
    return join_pieces(pieces)


def check_fields(
    fields: Mapping[str, FieldSpec], *, locale: str, columns: Iterable[str] = ()
) -> list[Problem]:
    """Problems with field declarations, found without generating a population.

    Args:
        fields: field name -> declaration.
        locale: the population's Mimesis locale.
        columns: further names an expression may use (record columns).

    Returns:
        Problems whose ``path`` starts at the field name, e.g.
        ``("income", "args", "strat")``.
    """
    problems: list[Problem] = []
    providers = [name for name, f in fields.items() if isinstance(f, ProviderField)]
    locale_problem = check_locale(locale)
    if locale_problem is not None and providers:
        problems.append(
            Problem(
                f"{locale_problem.message} (the population's `locale`)",
                (providers[0], "provider"),
                hint=locale_problem.hint,
            )
        )
    for name, field in fields.items():
        if isinstance(field, ProviderField):
            problems.extend(check_provider(name, field, locale=locale))
        elif isinstance(field, DistributionField):
            problems.extend(check_distribution(name, field))
    expressions = {
        name: field.expression
        for name, field in fields.items()
        if isinstance(field, ExpressionField)
    }
    known = [*columns, *fields]
    problems.extend(check_expressions(expressions, known))
    return problems
