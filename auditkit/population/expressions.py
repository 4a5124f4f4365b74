"""Expression fields: checked as a small safe grammar, evaluated column-wise.

An expression may use field and record names, numbers, strings, arithmetic,
comparisons, ``and``/``or``/``not`` and a few numeric functions. Attribute
access, subscripts and any other call are refused before the
text is evaluated, so an audit file cannot run arbitrary code.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, format_choices

__all__ = [
    "FUNCTIONS",
    "ExpressionError",
    "check_expressions",
    "evaluate",
    "expression_names",
    "order_expressions",
]

#: Functions an expression may call (pandas.eval's numeric functions).
FUNCTIONS = frozenset(
    {
        "abs",
        "arccos",
        "arccosh",
        "arcsin",
        "arcsinh",
        "arctan",
        "arctan2",
        "arctanh",
        "cos",
        "cosh",
        "exp",
        "expm1",
        "log",
        "log10",
        "log1p",
        "sin",
        "sinh",
        "sqrt",
        "tan",
        "tanh",
    }
)

_ALLOWED_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.operator,
    ast.unaryop,
    ast.boolop,
    ast.cmpop,
)
_BACKTICKED = re.compile(r"`([^`]*)`")


class ExpressionError(ValueError):
    """An expression outside the safe grammar, or unparsable."""


def _parse(expression: str) -> tuple[ast.Expression, dict[str, str]]:
    quoted: dict[str, str] = {}

    def _placeholder(match: re.Match[str]) -> str:
        token = f"__quoted_{len(quoted)}__"
        quoted[token] = match.group(1)
        return token

    try:
        tree = ast.parse(_BACKTICKED.sub(_placeholder, expression), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(f"cannot parse expression: {err.msg}") from err
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(
                f"{type(node).__name__.lower()} is not allowed in an expression"
            )
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name)
            and node.func.id in FUNCTIONS
            and not node.keywords
        ):
            raise ExpressionError("only the numeric functions may be called")
    return tree, quoted


def expression_names(expression: str) -> list[str]:
    """Field and column names ``expression`` reads, in order of appearance.

    Raises:
        ExpressionError: the text is not a safe expression.
    """
    tree, quoted = _parse(expression)
    functions = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    names = [
        quoted.get(node.id, node.id)
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and id(node) not in functions
    ]
    return list(dict.fromkeys(names))


def check_expressions(
    expressions: Mapping[str, str], known: Iterable[str]
) -> list[Problem]:
    """Problems with expression fields: grammar, unknown names and cycles."""
    known = set(known) | set(expressions)
    problems = []
    for name, expression in expressions.items():
        try:
            used = expression_names(expression)
        except ExpressionError as err:
            problems.append(Problem(str(err), (name, "expression")))
            continue
        problems.extend(
            Problem(
                f"expression uses unknown name {used_name!r}",
                (name, "expression"),
                hint=_name_hint(used_name, known - {name}),
            )
            for used_name in used
            if used_name not in known
        )
    if not problems:
        try:
            order_expressions(expressions)
        except ExpressionError as err:
            problems.append(Problem(str(err), (next(iter(expressions)), "expression")))
    return problems


def _name_hint(name: str, known: set[str]) -> str:
    if not known:
        return "an expression reads the population's other fields and record columns"
    return format_choices(name, known)


def order_expressions(expressions: Mapping[str, str]) -> list[str]:
    """Expression field names so that each comes after those it uses.

    Ties keep declaration order.

    Raises:
        ExpressionError: the expressions refer to each other in a cycle.
    """
    needs = {
        name: [used for used in expression_names(text) if used in expressions]
        for name, text in expressions.items()
    }
    ordered: list[str] = []
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        if name in visiting:
            cycle = [*visiting[visiting.index(name) :], name]
            raise ExpressionError(f"expressions form a cycle: {' -> '.join(cycle)}")
        visiting.append(name)
        for used in needs[name]:
            visit(used)
        visiting.pop()
        ordered.append(name)

    for name in expressions:
        visit(name)
    return ordered


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Invert: operator.invert,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


def _membership(left: Any, right: Any, negate: bool) -> Any:
    values = right if isinstance(right, list | tuple) else [right]
    found = left.isin(values) if isinstance(left, pd.Series) else left in values
    return ~found if negate else found


def _compare(op: ast.cmpop, left: Any, right: Any) -> Any:
    if isinstance(op, ast.In | ast.NotIn):
        return _membership(left, right, isinstance(op, ast.NotIn))
    if type(op) not in _COMPARE:
        raise ExpressionError(f"{type(op).__name__} comparisons are not supported")
    return _COMPARE[type(op)](left, right)


class _Evaluator:
    """Evaluates a checked expression tree column-wise, as pandas.eval would.

    ``and``, ``or`` and ``not`` act elementwise, as in pandas.eval; every
    operation is one vectorised pandas or numpy call over the whole column.
    """

    def __init__(self, frame: pd.DataFrame, quoted: dict[str, str]):
        self.frame = frame
        self.quoted = quoted

    def __call__(self, node: ast.AST) -> Any:
        method = getattr(self, f"_{type(node).__name__.lower()}")
        return method(node)

    def _expression(self, node: ast.Expression) -> Any:
        return self(node.body)

    def _name(self, node: ast.Name) -> Any:
        return self.frame[self.quoted.get(node.id, node.id)]

    def _constant(self, node: ast.Constant) -> Any:
        return node.value

    def _list(self, node: ast.List) -> list:
        return [self(item) for item in node.elts]

    _tuple = _list

    def _binop(self, node: ast.BinOp) -> Any:
        return _BINARY[type(node.op)](self(node.left), self(node.right))

    def _unaryop(self, node: ast.UnaryOp) -> Any:
        operand = self(node.operand)
        if isinstance(node.op, ast.Not):
            return ~operand if isinstance(operand, pd.Series) else not operand
        return _UNARY[type(node.op)](operand)

    def _boolop(self, node: ast.BoolOp) -> Any:
        combine = operator.and_ if isinstance(node.op, ast.And) else operator.or_
        values = [self(value) for value in node.values]
        result = values[0]
        for value in values[1:]:
            result = combine(result, value)
        return result

    def _compare(self, node: ast.Compare) -> Any:
        left = self(node.left)
        result = None
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self(comparator)
            outcome = _compare(op, left, right)
            result = outcome if result is None else result & outcome
            left = right
        return result

    def _call(self, node: ast.Call) -> Any:
        function = getattr(np, node.func.id)  # type: ignore[attr-defined]
        return function(*(self(argument) for argument in node.args))


def evaluate(expression: str, frame: pd.DataFrame) -> pd.Series:
    """Evaluate a checked expression over the columns of ``frame``."""
    names = expression_names(expression)
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise ExpressionError(f"expression uses unknown name {missing[0]!r}")
    tree, quoted = _parse(expression)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = _Evaluator(frame, quoted)(tree)
    if not isinstance(result, pd.Series):
        result = pd.Series(np.broadcast_to(result, len(frame)), index=frame.index)
    return result
