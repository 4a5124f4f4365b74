"""Numbers drawn from a numpy random Generator method, with clip and round."""

from __future__ import annotations

import inspect
import warnings
from functools import cache

import numpy as np

from ..errors import DataError, Problem, format_choices
from ..spec import DistributionField
from ._blocks import draw_by_block
from ._columns import Column, join_pieces

__all__ = ["check_distribution", "distribution_names", "generate_distribution"]

# Generator methods that are not one number per profile.
_NOT_DISTRIBUTIONS = frozenset(
    {
        "bit_generator",
        "bytes",
        "choice",
        "dirichlet",
        "multinomial",
        "multivariate_hypergeometric",
        "multivariate_normal",
        "permutation",
        "permuted",
        "shuffle",
        "spawn",
    }
)


@cache
def distribution_names() -> tuple[str, ...]:
    """The numpy Generator methods a distribution field may name."""
    names = (
        name
        for name in dir(np.random.Generator)
        if not name.startswith("_") and name not in _NOT_DISTRIBUTIONS
    )
    return tuple(sorted(n for n in names if callable(getattr(np.random.Generator, n))))


def check_distribution(name: str, field: DistributionField) -> list[Problem]:
    """Problems with a distribution field, found without generating it."""
    if field.distribution not in distribution_names():
        return [
            Problem(
                f"unknown distribution {field.distribution!r}",
                (name, "distribution"),
                hint=format_choices(field.distribution, distribution_names()),
            )
        ]
    problems = _check_args(name, field)
    if field.clip is not None and field.clip[0] > field.clip[1]:
        low, high = field.clip
        problems.append(
            Problem(
                f"clip low ({low:g}) is above high ({high:g})",
                (name, "clip"),
                hint="give [low, high] with low <= high",
            )
        )
    if not problems:
        problems.extend(_trial_draw(name, field))
    return problems


def _check_args(name: str, field: DistributionField) -> list[Problem]:
    method = getattr(np.random.Generator, field.distribution)
    parameters = dict(inspect.signature(method).parameters)
    del parameters["self"]
    if "size" in field.args:
        return [
            Problem(
                "`size` is set by the population size",
                (name, "args", "size"),
                hint="remove `size` from args",
            )
        ]
    parameters.pop("size", None)
    problems = [
        Problem(
            f"{field.distribution} has no argument {key!r}",
            (name, "args", key),
            hint=format_choices(key, parameters),
        )
        for key in field.args
        if key not in parameters
    ]
    missing = [
        key
        for key, parameter in parameters.items()
        if parameter.default is inspect.Parameter.empty and key not in field.args
    ]
    if missing:
        problems.append(
            Problem(
                f"{field.distribution} needs {', '.join(missing)}",
                (name, "args"),
                hint=f"add {', '.join(f'{key}: ...' for key in missing)} under args",
            )
        )
    return problems


def _trial_draw(name: str, field: DistributionField) -> list[Problem]:
    method = getattr(np.random.default_rng(0), field.distribution)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            method(**field.args, size=4)
    except (TypeError, ValueError, OverflowError) as err:
        return [
            Problem(
                f"numpy rejected the args of {field.distribution}: {err}",
                (name, "args"),
                hint="see numpy.random.Generator." + field.distribution,
            )
        ]
    return []


def generate_distribution(
    field: DistributionField, *, key: str, seed: int, start: int, stop: int
) -> Column:
    """Draw ``field`` for profiles ``[start, stop)``.

    ``round: 0`` gives whole numbers as int64; other roundings stay floats.
    """

    def draw(rng: np.random.Generator, size: int) -> np.ndarray:
        values = np.asarray(getattr(rng, field.distribution)(**field.args, size=size))
        is_float = values.dtype.kind == "f"
        if field.clip is not None:
            # in place on fresh float draws; a clip may turn integers into floats
            values = np.clip(values, *field.clip, out=values if is_float else None)
        if field.round is not None:
            values = np.round(values, field.round, out=values if is_float else None)
            if field.round == 0:
                values = _whole_numbers(values, field)
        return values

    identity = ("distribution", field.model_dump_json())
    pieces = draw_by_block(
        draw, seed=seed, key=key, start=start, stop=stop, identity=identity
    )
    return join_pieces(pieces)


def _whole_numbers(values: np.ndarray, field: DistributionField) -> np.ndarray:
    if values.dtype.kind in "iu":
        return values.astype(np.int64, copy=False)
    if not np.isfinite(values).all() or np.abs(values).max(initial=0) >= 2**63:
        raise DataError(
            f"{field.distribution} drew values too large for whole numbers",
            hint="add `clip` to bound them, or drop `round: 0`",
        )
    return values.astype(np.int64)
