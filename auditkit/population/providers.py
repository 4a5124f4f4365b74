"""Provider fields: Mimesis methods, replayed with numpy wherever possible.

Each ``provider.method`` with its args gets a plan once per process:

- a *mixture of uniform draws* found by :mod:`._explore` (``person.first_name``,
  ``address.city``, ``numeric.integer_number``, ...) is drawn with numpy for a
  whole block: the same values with the same probabilities as Mimesis;
- a few formatted values are built from numpy draws (``cryptographic.uuid``,
  ``numeric.decimal_number``, ``datetime.date``, ``datetime.datetime``,
  ``person.birthdate``);
- anything else calls Mimesis once per profile, with a provider seeded by the
  block's key and called in order from the block's first profile.

Either way a value depends on (seed, key, profile index) only.

Known differences from calling Mimesis directly: the numpy replay gives the
same values with the same probabilities, not the very sequence a seeded
Mimesis would; dates come as ``datetime64`` columns rather than ``date``
objects; and methods that read the clock (``datetime.future_datetime``) are
refused by the checks, since no seed could repeat them.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import json
import logging
import re
import threading
import typing
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import numpy as np
from mimesis.locales import Locale
from mimesis.providers.base import BaseDataProvider, BaseProvider, ProviderRegistry
from mimesis.random import Random

from ..errors import Problem, SpecError, format_choices
from ..spec import ProviderField
from . import _blocks
from ._blocks import _CACHE, block_seed, blocks_covering, draw_by_block
from ._columns import Column, join_pieces, take, typed_values
from ._explore import Outcomes, explore

__all__ = [
    "ProviderInfo",
    "check_locale",
    "check_provider",
    "generate_provider",
    "list_providers",
    "provider_names",
]

logger = logging.getLogger(__name__)

_Draw = Callable[[np.random.Generator, int], Column]
_BASE_NAMES = frozenset(dir(BaseDataProvider))


@dataclass(frozen=True)
class ProviderInfo:
    """One Mimesis method a provider field can name."""

    name: str
    signature: str
    vectorised: bool
    summary: str


# -- names -------------------------------------------------------------------


@cache
def _provider_classes() -> dict[str, type[BaseProvider]]:
    return {
        name: cls
        for name, cls in sorted(ProviderRegistry.get_all().items())
        if name != "generic"
    }


@cache
def _method_names(provider: str) -> tuple[str, ...]:
    cls = _provider_classes()[provider]
    return tuple(
        name
        for name in dir(cls)
        if not name.startswith("_")
        and name not in _BASE_NAMES
        and callable(getattr(cls, name))
        and not isinstance(getattr(cls, name), type)
    )


def provider_names() -> list[str]:
    """Every ``provider.method`` a provider field may name."""
    return [
        f"{provider}.{method}"
        for provider in _provider_classes()
        for method in _method_names(provider)
    ]


def _resolve(name: str, text: str) -> tuple[str, str] | Problem:
    provider, _, method = text.partition(".")
    providers = _provider_classes()
    if provider not in providers:
        return Problem(
            f"unknown Mimesis provider {provider!r} in {text!r}",
            (name, "provider"),
            hint=format_choices(provider, providers),
        )
    if method not in _method_names(provider):
        methods = [f"{provider}.{known}" for known in _method_names(provider)]
        return Problem(
            f"unknown method {text!r}",
            (name, "provider"),
            hint=format_choices(text, methods),
        )
    return provider, method


# -- arguments ---------------------------------------------------------------


def _parameters(provider: str, method: str) -> dict[str, inspect.Parameter]:
    function = getattr(_provider_classes()[provider], method)
    parameters = dict(inspect.signature(function).parameters)
    parameters.pop("self", None)
    return parameters


@cache
def _enum_arguments(provider: str, method: str) -> dict[str, type[enum.Enum]]:
    function = getattr(_provider_classes()[provider], method)
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # unresolvable annotations: no coercion
        return {}
    enums = {}
    for argument, hint in hints.items():
        options = typing.get_args(hint) or (hint,)
        found = [o for o in options if isinstance(o, type) and issubclass(o, enum.Enum)]
        if found and argument != "return":
            enums[argument] = found[0]
    return enums


def _enum_labels(enum_type: type[enum.Enum]) -> list[str]:
    return [
        member.value if isinstance(member.value, str) else member.name.lower()
        for member in enum_type
    ]


def _to_enum(value: Any, enum_type: type[enum.Enum]) -> enum.Enum | None:
    if isinstance(value, enum_type):
        return value
    text = str(value).casefold()
    for member in enum_type:
        if text in (member.name.casefold(), str(member.value).casefold()):
            return member
    return None


def _coerce_args(
    name: str, provider: str, method: str, args: dict[str, Any]
) -> tuple[dict[str, Any], list[Problem]]:
    parameters = _parameters(provider, method)
    takes_any = any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )
    named = {
        key: p
        for key, p in parameters.items()
        if p.kind
        not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    }
    problems = []
    coerced = dict(args)
    for key, value in args.items():
        if key not in named and not takes_any:
            problems.append(
                Problem(
                    f"{provider}.{method} has no argument {key!r}",
                    (name, "args", key),
                    hint=format_choices(key, named) if named else "it takes no args",
                )
            )
            continue
        enum_type = _enum_arguments(provider, method).get(key)
        if enum_type is None or value is None:
            continue
        member = _to_enum(value, enum_type)
        if member is None:
            problems.append(
                Problem(
                    f"{value!r} is not a {enum_type.__name__} for {key!r}",
                    (name, "args", key),
                    hint=format_choices(str(value), _enum_labels(enum_type)),
                )
            )
        coerced[key] = member
    missing = [
        key
        for key, p in named.items()
        if p.default is inspect.Parameter.empty and key not in args
    ]
    if missing:
        problems.append(
            Problem(
                f"{provider}.{method} needs {', '.join(missing)}",
                (name, "args"),
                hint=f"add {', '.join(f'{key}: ...' for key in missing)} under args",
            )
        )
    return coerced, problems


def _instance(provider: str, locale: str, **kwargs: Any) -> BaseProvider:
    cls = _provider_classes()[provider]
    if issubclass(cls, BaseDataProvider):
        return cls(locale=Locale(locale), **kwargs)
    return cls(**kwargs)


@cache
def _locales() -> tuple[str, ...]:
    return tuple(locale.value for locale in Locale)


def check_locale(locale: str) -> Problem | None:
    """A problem when ``locale`` is not a Mimesis locale."""
    if locale in _locales():
        return None
    return Problem(
        f"unknown Mimesis locale {locale!r}",
        ("locale",),
        hint=format_choices(locale, _locales()),
    )


def check_provider(name: str, field: ProviderField, *, locale: str) -> list[Problem]:
    """Problems with a provider field, found by a single trial call at most."""
    target = _resolve(name, field.provider)
    if isinstance(target, Problem):
        return [target]
    provider, method = target
    args, problems = _coerce_args(name, provider, method, field.args)
    if problems or locale not in _locales():
        return problems
    try:
        first, second = (_trial_call(provider, method, args, locale) for _ in "12")
    except Exception as err:
        return [
            Problem(
                f"{field.provider} rejected its args: {err}",
                (name, "args"),
                hint=f"`auditkit providers {field.provider}` shows its signature",
            )
        ]
    if repr(first) != repr(second):
        return [
            Problem(
                f"{field.provider} gives other values on every run (it reads the "
                "clock or an unseeded source), so the audit could not be repeated",
                (name, "provider"),
                hint="pick a seeded method, e.g. datetime.datetime with start and end",
            )
        ]
    return []


def _trial_call(provider: str, method: str, args: dict[str, Any], locale: str) -> Any:
    call = getattr(_instance(provider, locale, seed=0), method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(**args)


# -- plans -------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    provider: str
    method: str
    args: dict[str, Any]
    draw: _Draw | None  # None: call Mimesis per row

    @property
    def vectorised(self) -> bool:
        return self.draw is not None


def _args_key(args: dict[str, Any]) -> str:
    return json.dumps(args, sort_keys=True, default=str)


_PLANS: dict[tuple[str, str, str], _Plan] = {}
_PLANS_LOCK = threading.Lock()


def _plan(field: ProviderField, locale: str, name: str = "") -> _Plan:
    cache_key = (field.provider, _args_key(field.args), locale)
    with _PLANS_LOCK:
        plan = _PLANS.get(cache_key)
    if plan is not None:
        return plan
    target = _resolve(name, field.provider)
    problems = [target] if isinstance(target, Problem) else []
    if not problems:
        provider, method = target  # type: ignore[misc]
        args, problems = _coerce_args(name, provider, method, field.args)
    locale_problem = check_locale(locale)
    if locale_problem is not None:
        problems.append(locale_problem)
    if problems:
        raise SpecError(problems)
    plan = _Plan(
        provider, method, args, _vectorised_draw(provider, method, args, locale)
    )
    logger.debug("%s: vectorised=%s", field.provider, plan.vectorised)
    with _PLANS_LOCK:
        _PLANS[cache_key] = plan
    return plan


def _vectorised_draw(
    provider: str, method: str, args: dict[str, Any], locale: str
) -> _Draw | None:
    formatter = _FORMATTERS.get(f"{provider}.{method}")
    if formatter is not None:
        draw = formatter(args)
        if draw is not None:
            return draw

    def make(random: Random) -> Callable[[], Any]:
        bound = getattr(_instance(provider, locale, random=random), method)
        return lambda: bound(**args)

    outcomes = explore(make)
    return None if outcomes is None else _mixture_draw(outcomes)


def _mixture_draw(outcomes: Outcomes) -> _Draw:
    leaves = outcomes.leaves
    probabilities = np.array([leaf.probability for leaf in leaves])
    probabilities /= probabilities.sum()

    def components(rng: np.random.Generator, size: int) -> np.ndarray:
        if len(leaves) == 1:
            return np.zeros(size, dtype=np.intp)
        return rng.choice(len(leaves), size=size, p=probabilities)

    if outcomes.kind == "list":
        values = [value for leaf in leaves for value in leaf.values]
        lookup, codes = typed_values(values)
        lengths = np.array([len(leaf.values) for leaf in leaves])
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])

        def draw_list(rng: np.random.Generator, size: int) -> Column:
            picked = components(rng, size)
            if len(leaves) == 1:
                positions = rng.integers(0, lengths[0], size)
            else:
                positions = offsets[picked] + rng.integers(0, lengths[picked])
            return take(lookup, codes, positions)

        return draw_list

    lows = np.array([leaf.low for leaf in leaves])
    highs = np.array([leaf.high for leaf in leaves])
    if outcomes.kind == "int":

        def draw_int(rng: np.random.Generator, size: int) -> Column:
            if len(leaves) == 1:  # scalar bounds: several times faster
                return rng.integers(int(lows[0]), int(highs[0]), size, endpoint=True)
            picked = components(rng, size)
            low, high = lows.astype(np.int64)[picked], highs.astype(np.int64)[picked]
            return rng.integers(low, high, endpoint=True)

        return draw_int

    precision = leaves[0].precision

    def draw_float(rng: np.random.Generator, size: int) -> Column:
        if len(leaves) == 1:
            low, high = lows[0], highs[0]
            return np.round(low + (high - low) * rng.random(size), precision)
        picked = components(rng, size)
        low, high = lows[picked], highs[picked]
        return np.round(low + (high - low) * rng.random(size), precision)

    return draw_float


# -- formatted values built from numpy draws ---------------------------------

# The two hex digits of each byte value as UCS-4 code points (numpy's str
# layout), paired in one uint64 so a single lookup writes both.
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8).astype(np.uint32)
_HEX_PAIRS = (
    np.stack([_HEX_DIGITS.repeat(16), np.tile(_HEX_DIGITS, 16)], axis=1)
    .copy()
    .view(np.uint64)
    .ravel()
)
_UUID_GROUPS = ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))  # hex digit spans


def _uuid_strings(args: dict[str, Any]) -> _Draw | None:
    def draw(rng: np.random.Generator, size: int) -> Column:
        raw = np.frombuffer(rng.bytes(size * 16), dtype=np.uint8).reshape(size, 16)
        raw = raw.astype(np.intp)
        raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
        raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
        digits = np.take(_HEX_PAIRS, raw).view(np.uint32).reshape(size, 32)
        text = np.full((size, 36), ord("-"), dtype=np.uint32)
        for group, (first, last) in enumerate(_UUID_GROUPS):
            text[:, first + group : last + group] = digits[:, first:last]
        return text.view("U36").ravel()

    return draw


def _street_numbers(args: dict[str, Any]) -> _Draw | None:
    maximum = args.get("maximum", 1400)
    return lambda rng, size: rng.integers(1, maximum, size, endpoint=True).astype(str)


def _decimal_numbers(args: dict[str, Any]) -> _Draw | None:
    start, end = args.get("start", -1000.0), args.get("end", 1000.0)
    to_decimal = np.frompyfunc(Decimal.from_float, 1, 1)

    def draw(rng: np.random.Generator, size: int) -> Column:
        return to_decimal(np.round(start + (end - start) * rng.random(size), 15))

    return draw


def _month_lengths(years: np.ndarray, months: np.ndarray) -> np.ndarray:
    first = (years - 1970) * 12 + (months - 1)
    starts = first.astype("datetime64[M]").astype("datetime64[D]")
    ends = (first + 1).astype("datetime64[M]").astype("datetime64[D]")
    return (ends - starts).astype(np.int64)


def _dates(rng: np.random.Generator, size: int, low: int, high: int) -> np.ndarray:
    # Like Mimesis: year, then month, then a day of that month, each uniform.
    years = rng.integers(low, high, size=size, endpoint=True)
    months = rng.integers(1, 12, size=size, endpoint=True)
    days = rng.integers(0, _month_lengths(years, months))
    month_starts = ((years - 1970) * 12 + months - 1).astype("datetime64[M]")
    return month_starts.astype("datetime64[D]") + days


def _date_draw(low_name: str, high_name: str, low: int, high: int) -> Callable:
    def formatter(args: dict[str, Any]) -> _Draw | None:
        bounds = args.get(low_name, low), args.get(high_name, high)
        return lambda rng, size: _dates(rng, size, *bounds)

    return formatter


def _datetimes(args: dict[str, Any]) -> _Draw | None:
    if args.get("timezone"):
        return None
    year = dt.date.today().year
    low, high = args.get("start", year), args.get("end", year)

    def draw(rng: np.random.Generator, size: int) -> Column:
        days = _dates(rng, size, low, high).astype("datetime64[us]")
        seconds = rng.integers(0, 86_399, size=size, endpoint=True)
        micros = rng.integers(0, 999_999, size=size, endpoint=True)
        return days + (seconds * 1_000_000 + micros).astype("timedelta64[us]")

    return draw


_FORMATTERS: dict[str, Callable[[dict[str, Any]], _Draw | None]] = {
    "address.street_number": _street_numbers,
    "cryptographic.uuid": _uuid_strings,
    "numeric.decimal_number": _decimal_numbers,
    "datetime.date": _date_draw("start", "end", 2000, dt.date.today().year),
    "datetime.datetime": _datetimes,
    "person.birthdate": _date_draw("min_year", "max_year", 1980, 2023),
}


# -- per-row fallback --------------------------------------------------------


class _RowStream:
    """One block of one field, drawn by Mimesis in profile order."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self._call = call
        self._lock = threading.Lock()
        self.values: list[Any] = []

    def extend(self, count: int) -> None:
        with self._lock:
            while len(self.values) < count:
                self.values.append(self._call())


def _return_dtype(provider: str, method: str) -> type | None:
    function = getattr(_provider_classes()[provider], method)
    try:
        hint = typing.get_type_hints(function).get("return")
    except Exception:
        return None
    dtypes: dict[Any, type] = {bool: np.bool_, int: np.int64, float: np.float64}
    return dtypes.get(hint)


def _bind(method: Callable[..., Any], args: dict[str, Any]) -> Callable[[], Any]:
    return lambda: method(**args)


def _per_row(plan: _Plan, *, key: str, seed: int, start: int, stop: int, locale: str):
    identity = ("rows", plan.provider, plan.method, _args_key(plan.args), locale)
    pieces = []
    for block, first, last in blocks_covering(start, stop):
        cache_key = (identity, seed, key, block, _blocks.BLOCK_SIZE)
        stream = _CACHE.get(cache_key)
        if stream is None:
            instance = _instance(
                plan.provider, locale, seed=block_seed(seed, key, block)
            )
            stream = _RowStream(_bind(getattr(instance, plan.method), plan.args))
            _CACHE.put(cache_key, stream)
        stream.extend(last)  # type: ignore[attr-defined]
        pieces.append(stream.values[first:last])  # type: ignore[attr-defined]
    values = [value for piece in pieces for value in piece]
    dtype = _return_dtype(plan.provider, plan.method)
    if dtype is not None:
        try:
            return np.array(values, dtype=dtype)
        except (TypeError, ValueError, OverflowError):
            pass
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column


# -- public ------------------------------------------------------------------


def generate_provider(
    field: ProviderField, *, key: str, seed: int, start: int, stop: int, locale: str
) -> Column:
    """Values of a provider field for profiles ``[start, stop)``.

    Raises:
        SpecError: the provider, its args or the locale are invalid.
    """
    plan = _plan(field, locale, key)
    if plan.draw is None:
        return _per_row(plan, key=key, seed=seed, start=start, stop=stop, locale=locale)
    identity = ("provider", field.provider, _args_key(field.args), locale)
    pieces = draw_by_block(
        plan.draw, seed=seed, key=key, start=start, stop=stop, identity=identity
    )
    return join_pieces(pieces)


def _signature(provider: str, method: str) -> str:
    function = getattr(_provider_classes()[provider], method)
    text = (
        str(inspect.signature(function)).replace("(self, ", "(").replace("(self)", "()")
    )
    return re.sub(r"\b(?:[a-z_]+\.)+(?=[A-Z]\w*)", "", text)


def _summary(provider: str, method: str) -> str:
    doc = inspect.getdoc(getattr(_provider_classes()[provider], method)) or ""
    return doc.splitlines()[0].strip() if doc else ""


def _defaults_vectorised(provider: str, method: str, locale: str) -> bool:
    parameters = _parameters(provider, method).values()
    if any(
        p.default is inspect.Parameter.empty
        and p.kind
        not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        for p in parameters
    ):
        return False
    field = ProviderField.model_validate({"provider": f"{provider}.{method}"})
    return _plan(field, locale).vectorised


def list_providers(
    filter: str | None = None, *, locale: str = "en"
) -> list[ProviderInfo]:
    """The Mimesis methods a provider field can name, with their signature.

    ``vectorised`` says whether the method, called with its default args, is
    drawn with numpy; other args may change that, and generation logs the
    plan of each field at DEBUG level.

    Args:
        filter: keep names containing this text (case-insensitive).
        locale: the locale whose data the detection uses.
    """
    needle = (filter or "").casefold()
    return [
        _info(name, locale) for name in provider_names() if needle in name.casefold()
    ]


def _info(name: str, locale: str) -> ProviderInfo:
    provider, method = name.split(".")
    return ProviderInfo(
        name=name,
        signature=_signature(provider, method),
        vectorised=_defaults_vectorised(provider, method, locale),
        summary=_summary(provider, method),
    )
