"""Expression fields: checked as a small safe grammar, evaluated by pandas.

An expression may use field and record names, numbers, strings, arithmetic,
comparisons, ``and``/``or``/``not`` and a few numeric functions. Attribute
access, subscripts and any other call are refused before pandas sees the
text, so an audit file cannot run arbitrary code.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping

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


def evaluate(expression: str, frame: pd.DataFrame) -> pd.Series:
    """Evaluate a checked expression over the columns of ``frame``."""
    names = expression_names(expression)
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise ExpressionError(f"expression uses unknown name {missing[0]!r}")
    columns = frame[names] if names else frame.iloc[:, :0]
    result = columns.eval(expression, engine="python", local_dict={}, global_dict={})
    if not isinstance(result, pd.Series):
        result = pd.Series(result, index=frame.index)
    return result
