"""Values per second of population fields, against a per-row Mimesis loop.

Run with ``python -m tests.benchmarks.bench_population [PROFILES]``. Both
sides run in this process, one after the other, so the ratio is what counts;
absolute rates depend on the machine.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from mimesis import Generic
from mimesis.enums import Gender

from auditkit.population import _blocks, generate_field
from auditkit.spec import ChoiceField, DistributionField, FieldSpec, ProviderField

_CASES: list[tuple[str, FieldSpec, Callable[[Generic], Callable[[], object]]]] = [
    (
        "person.first_name gender=female",
        ProviderField(provider="person.first_name", args={"gender": "female"}),
        lambda g: lambda: g.person.first_name(gender=Gender.FEMALE),
    ),
    (
        "person.first_name",
        ProviderField(provider="person.first_name"),
        lambda g: g.person.first_name,
    ),
    ("address.city", ProviderField(provider="address.city"), lambda g: g.address.city),
    (
        "numeric.integer_number",
        ProviderField(
            provider="numeric.integer_number", args={"start": 40000, "end": 70000}
        ),
        lambda g: lambda: g.numeric.integer_number(start=40000, end=70000),
    ),
    (
        "cryptographic.uuid",
        ProviderField(provider="cryptographic.uuid"),
        lambda g: g.cryptographic.uuid,
    ),
    (
        "person.birthdate",
        ProviderField(provider="person.birthdate"),
        lambda g: g.person.birthdate,
    ),
    (
        "choice (weighted) vs person.gender",
        ChoiceField(choice=["a", "b", "c"], weights=[0.7, 0.2, 0.1]),
        lambda g: g.person.gender,
    ),
    (
        "distribution normal vs numeric.float_number",
        DistributionField(distribution="normal", args={"loc": 680, "scale": 60}),
        lambda g: g.numeric.float_number,
    ),
    (
        "person.full_name (per-row fallback)",
        ProviderField(provider="person.full_name"),
        lambda g: g.person.full_name,
    ),
]


def _rate(action: Callable[[], object], count: int, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        _blocks._CACHE.clear()
        began = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - began)
    return count / best


def _field_rate(field: FieldSpec, count: int) -> float:
    generate_field(field, key="warm", seed=0, start=0, stop=10, locale="en")
    return _rate(
        lambda: generate_field(
            field, key="x", seed=1, start=0, stop=count, locale="en"
        ),
        count,
    )


def _mimesis_rate(make: Callable[[Generic], Callable[[], object]], count: int) -> float:
    call = make(Generic(seed=1))

    def loop() -> None:
        for _ in range(count):
            call()

    return _rate(loop, count)


def main(argv: list[str]) -> None:
    profiles = int(argv[0]) if argv else 1_000_000
    rows = max(profiles // 20, 1000)
    print(f"{'field':45} {'auditkit/s':>14} {'mimesis/s':>12} {'ratio':>8}")
    for label, field, make in _CASES:
        ours = _field_rate(field, profiles if "fallback" not in label else rows)
        theirs = _mimesis_rate(make, rows)
        print(f"{label:45} {ours:14,.0f} {theirs:12,.0f} {ours / theirs:7.1f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
