"""Number and value formatting for the reports.

Every figure a report shows passes through here once, in the view model, so
the templates never round, scale or pick units themselves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "DASH",
    "TIMES",
    "UNDEFINED",
    "count",
    "decimal",
    "distinct_precision",
    "interval",
    "join_words",
    "percent",
    "plural",
    "points",
    "raw",
    "value_text",
]

UNDEFINED = "undefined"
"""Shown for a figure the engine could not define (a ratio over zero)."""

TIMES = "\u00d7"  # multiplication sign, as in "gender x race"

DASH = "\u2013"  # en dash, between the ends of a range


def count(number: int | None) -> str:
    """Format a whole number with thousands separators: ``1,000``."""
    return UNDEFINED if number is None else f"{number:,}"


def plural(number: int, singular: str, plural_form: str | None = None) -> str:
    """Say ``1 criterion`` or ``3 criteria``."""
    word = singular if number == 1 else (plural_form or f"{singular}s")
    return f"{count(number)} {word}"


def join_words(words: Iterable[str], last: str = "and") -> str:
    """Join ``a``, ``a and b``, ``a, b and c``."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _share_digits(value: float) -> int:
    # One decimal reads best, but near 0% and 100% it would hide the difference
    # between 99.95% and 100%.
    return 2 if value < 1 or value > 99 else 1


def percent(share: float | None, digits: int | None = None) -> str:
    """Format a share in [0, 1] as a percentage: ``0.998`` -> ``99.8%``.

    Args:
        share: The share, or None when undefined.
        digits: Decimal places; by default one, two near 0% and 100%.
    """
    if share is None:
        return UNDEFINED
    value = share * 100
    places = _share_digits(value) if digits is None else digits
    text = _trim(f"{value:,.{places}f}")
    smallest = 10.0**-places
    if text == "0" and value > 0:
        return f"<{_trim(f'{smallest:.{places}f}')}%"
    if text == "100" and value < 100:
        return f">{_trim(f'{100 - smallest:.{places}f}')}%"
    return f"{text}%"


def points(difference: float | None, digits: int | None = None) -> str:
    """Format a difference of shares in percentage points: ``0.05`` -> ``5 pp``."""
    text = percent(difference, digits)
    return text if difference is None else f"{text[:-1]} pp"


def decimal(number: float | None, significant: int = 3) -> str:
    """Format a number to a few significant digits, never in exponent form.

    ``0.97123`` -> ``0.971``, ``0.002`` -> ``0.002``, ``12345.6`` -> ``12,346``.
    """
    if number is None:
        return UNDEFINED
    if number == 0 or not math.isfinite(number):
        return "0" if number == 0 else str(number)
    magnitude = math.floor(math.log10(abs(number)))
    places = max(0, significant - 1 - magnitude)
    return _trim(f"{number:,.{places}f}")


def interval(low: float | None, high: float | None, fmt: Callable[..., str]) -> str:
    """Format an interval as ``99.3%`` en dash ``99.95%``; a dash when there is none."""
    if low is None or high is None:
        return DASH
    return f"{fmt(low)}{DASH}{fmt(high)}"


def distinct_precision(
    fmt: Callable[[float, int | None], str],
    start: int,
    figures: Iterable[float | None],
    thresholds: Iterable[float | None],
    limit: int = 8,
) -> int | None:
    """Find a precision at which no figure reads like a threshold it differs from.

    A flip rate of 1.004% against a limit of 1% must not print as ``1%`` beside
    ``at most 1%`` and a failing status: extra digits show why it fails.

    Returns:
        None when the default precision already tells them apart, else the
        smallest precision from ``start`` up to ``limit`` that does.
    """
    pairs = [
        (figure, threshold)
        for figure in figures
        for threshold in thresholds
        if figure is not None and threshold is not None and figure != threshold
    ]

    def collides(precision: int | None) -> bool:
        return any(fmt(f, precision) == fmt(t, precision) for f, t in pairs)

    if not collides(None):
        return None
    precision = start
    while precision < limit and collides(precision):
        precision += 1
    return precision


def raw(number: Any) -> str:
    """The exact number as stored in results.json, for auditors: ``0.9995``."""
    if number is None:
        return "null"
    if isinstance(number, bool):
        return "true" if number else "false"
    return repr(number)


def value_text(value: Any) -> str:
    """Format a data value from a profile as it was, without thousands separators.

    Identifiers, years and codes must not grow commas; floats are cut to six
    significant digits.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6g}" if abs(value) < 1e15 else repr(value)
    return str(value)
