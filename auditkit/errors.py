"""Exceptions and warnings raised by auditkit.

Every error a user can cause derives from :class:`AuditError`, carries where
it happened (file, line, column, key path) and a hint on how to fix it, and
maps to one exit code of the command line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "AuditError",
    "AuditWarning",
    "DataError",
    "ModelError",
    "Problem",
    "SpecError",
    "closest",
    "format_choices",
]


def closest(name: str, choices: Iterable[str], limit: int = 3) -> list[str]:
    """Return the valid names nearest to ``name``, best first.

    A name that differs only in case comes first: ``male`` suggests ``Male``,
    not ``Female``.
    """
    choices = [str(choice) for choice in choices]
    same = [choice for choice in choices if choice.lower() == str(name).lower()]
    near = difflib.get_close_matches(str(name), choices, n=limit, cutoff=0.6)
    return list(dict.fromkeys([*same, *near]))[:limit]


def format_choices(name: str, choices: Iterable[str]) -> str:
    """Say which names are valid, leading with the nearest to ``name``."""
    choices = sorted(choices)
    nearest = closest(name, choices)
    hint = f"did you mean {nearest[0]!r}? " if nearest else ""
    shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
    return f"{hint}valid: {shown}"


def path_str(path: Sequence[str | int]) -> str:
    """Render a key path as ``population.fields.income.provider`` or ``a[0].b``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an audit file, and where."""

    message: str
    path: tuple[str | int, ...] = ()
    file: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    @property
    def key(self) -> str:
        return path_str(self.path)

    def __str__(self) -> str:
        where = self.file or "<audit>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        key = f" {self.key}:" if self.path else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}:{key} {self.message}{hint}"


class AuditError(Exception):
    """Base class of every error a user can cause; ``exit_code`` maps it to the CLI."""

    exit_code = 2

    def __init__(
        self, message: str, *, file: str | None = None, hint: str | None = None
    ):
        super().__init__(message)
        self.message = message
        self.file = file
        self.hint = hint

    def __str__(self) -> str:
        prefix = f"{self.file}: " if self.file else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{prefix}{self.message}{hint}"


class SpecError(AuditError):
    """An audit file is invalid; holds every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: Sequence[Problem], *, file: str | None = None):
        self.problems = list(problems)
        count = len(self.problems)
        summary = f"{count} problem{'s' if count != 1 else ''} in audit file"
        super().__init__(summary, file=file)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


class ModelError(AuditError):
    """The model could not be loaded or failed while scoring."""

    exit_code = 3


class DataError(AuditError):
    """A data source could not be read or does not fit the audit."""

    exit_code = 3


class AuditWarning(UserWarning):
    """A result that is valid but weak: a tiny group, an interval too wide to judge."""
