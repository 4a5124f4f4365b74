"""Find out how a Mimesis method draws, to replay its draws with numpy.

A method is called with a scripted random source that records every draw and
answers ``choice`` calls with chosen positions. Walking every answer of the
early ``choice`` calls enumerates the method's outcomes: when each path ends in
one draw that the method returns unchanged (an element picked by ``choice``,
an integer from ``randint``, a float from ``uniform``), the method is a
mixture of uniform draws that numpy can make for a whole block at once, with
the same values and the same probabilities.

Anything else (two draws combined into one string, a draw that is formatted,
randomness from outside the provider) is left to per-row Mimesis calls.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mimesis.random import Random

__all__ = ["Leaf", "Outcomes", "explore"]

_MAX_RUNS = 600
_MAX_BRANCHES = 64
_MAX_DEPTH = 4


class _Refused(Exception):
    """The method drew in a way the explorer does not replay."""


@dataclass(frozen=True)
class Leaf:
    """The last draw of one path, and the probability of reaching it.

    ``kind`` is ``list`` (uniform element of ``values``), ``int`` (``randint``
    over ``low..high`` inclusive) or ``float`` (``uniform`` rounded to
    ``precision``).
    """

    probability: float
    kind: str
    values: tuple[Any, ...] = ()
    low: float = 0
    high: float = 0
    precision: int = 15


@dataclass(frozen=True)
class Outcomes:
    """Every path of a method that draws as a mixture of uniform draws."""

    leaves: tuple[Leaf, ...]

    @property
    def kind(self) -> str:
        return self.leaves[0].kind


@dataclass
class _Draw:
    kind: str
    values: Sequence[Any] = ()
    low: float = 0
    high: float = 0
    precision: int = 15
    answer: Any = None


class _ScriptedRandom(Random):
    """A random source that answers ``choice`` from a script and logs draws."""

    def __init__(self) -> None:
        super().__init__(0)
        self.script: list[int] = []
        self.last_answer = 0
        self.draws: list[_Draw] = []

    def reset(self, script: list[int], last_answer: int) -> None:
        self.script = script
        self.last_answer = last_answer
        self.draws = []

    def _answer(self, size: int) -> int:
        position = len(self.draws)
        if position < len(self.script):
            return self.script[position]
        return min(self.last_answer, size - 1) if self.last_answer >= 0 else size - 1

    def choice(self, seq: Sequence[Any]) -> Any:  # type: ignore[override]
        values = seq if isinstance(seq, Sequence) else list(seq)
        if not values:
            raise _Refused("choice from an empty sequence")
        index = self._answer(len(values))
        draw = _Draw("list", values, answer=values[index])
        self.draws.append(draw)
        return draw.answer

    def choices(  # type: ignore[override]
        self,
        population: Sequence[Any],
        weights: Any = None,
        *,
        cum_weights: Any = None,
        k: int = 1,
    ) -> list[Any]:
        if weights is not None or cum_weights is not None:
            raise _Refused("weighted draw")
        return [self.choice(population) for _ in range(k)]

    def randint(self, a: int, b: int) -> int:
        if a > b:
            raise _Refused("empty range")
        answer = a if self.last_answer == 0 else b
        draw = _Draw("int", low=a, high=b, answer=answer)
        self.draws.append(draw)
        return answer

    def uniform(self, a: float, b: float, precision: int = 15) -> float:
        answer = round(
            a + (b - a) * (0.25 if self.last_answer == 0 else 0.75), precision
        )
        draw = _Draw("float", low=a, high=b, precision=precision, answer=answer)
        self.draws.append(draw)
        return answer


def _refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
    raise _Refused("unsupported draw")


for _name in (
    "random",
    "getrandbits",
    "randrange",
    "_randbelow",
    "sample",
    "shuffle",
    "gauss",
    "normalvariate",
    "lognormvariate",
    "expovariate",
    "vonmisesvariate",
    "gammavariate",
    "betavariate",
    "paretovariate",
    "weibullvariate",
    "triangular",
    "binomialvariate",
    "randbytes",
    "randints",
    "generate_string_by_mask",
    "weighted_choice",
    "_generate_string",
):
    setattr(_ScriptedRandom, _name, _refuse)


def _same_value(result: Any, draw: _Draw) -> bool:
    if result is draw.answer:
        return True
    if draw.kind == "list":
        return isinstance(draw.values, str | range) and result == draw.answer
    return type(result) is type(draw.answer) and result == draw.answer


@dataclass
class _Explorer:
    call: Callable[[], Any]
    spy: _ScriptedRandom
    runs: int = 0
    leaves: list[Leaf] = field(default_factory=list)

    def run(self, script: list[int], last_answer: int = 0) -> tuple[list[_Draw], Any]:
        self.runs += 1
        if self.runs > _MAX_RUNS:
            raise _Refused("too many paths")
        self.spy.reset(script, last_answer)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = self.call()
        return self.spy.draws, result

    def visit(self, script: list[int], probability: float) -> None:
        draws, result = self.run(script)
        depth = len(script)
        if len(draws) > depth + 1:
            self.branch(script, probability, draws[depth])
        elif len(draws) == depth + 1:
            self.leaf(script, probability, draws, result)
        elif depth and len(draws) == depth and _same_value(result, draws[-1]):
            self.leaves.append(Leaf(probability, "list", (result,)))
        else:
            raise _Refused("the result is not the last draw")

    def branch(self, script: list[int], probability: float, draw: _Draw) -> None:
        if draw.kind != "list" or len(draw.values) > _MAX_BRANCHES:
            raise _Refused("a wide or numeric draw before the last one")
        if len(script) >= _MAX_DEPTH:
            raise _Refused("too many draws")
        for index in range(len(draw.values)):
            self.visit([*script, index], probability / len(draw.values))

    def leaf(
        self, script: list[int], probability: float, draws: list[_Draw], result: Any
    ) -> None:
        last = draws[-1]
        for answer in (0, -1):
            check_draws, check_result = self.run(script, answer)
            if len(check_draws) != len(draws) or not _same_value(
                check_result, check_draws[-1]
            ):
                raise _Refused("the result is not the last draw")
        if not _same_value(result, last):
            raise _Refused("the result is not the last draw")
        self.leaves.append(
            Leaf(
                probability,
                last.kind,
                tuple(last.values),
                last.low,
                last.high,
                last.precision,
            )
        )


def explore(make: Callable[[Random], Callable[[], Any]]) -> Outcomes | None:
    """Enumerate the outcomes of a method, or None when it cannot be replayed.

    ``make`` builds the provider on the given random source and returns the
    method call with its arguments bound.
    """
    spy = _ScriptedRandom()
    try:
        explorer = _Explorer(make(spy), spy)
        explorer.visit([], 1.0)
    except Exception:
        return None
    leaves = explorer.leaves
    if not leaves or len({leaf.kind for leaf in leaves}) != 1:
        return None
    if leaves[0].kind == "float" and len({leaf.precision for leaf in leaves}) != 1:
        return None
    return Outcomes(tuple(leaves))
