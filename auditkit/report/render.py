"""Render results into HTML, Markdown and JUnit reports with Jinja2.

The built-in templates live in ``templates/`` (inside the wheel:
``auditkit/templates``). A folder of custom templates comes first and the
built-ins fill in whatever it leaves out, so an organisation can replace
``report.html.j2`` alone, or just ``report.css``.

HTML and XML are autoescaped. Markdown has no autoescape of its own, so every
value printed into it is escaped for Markdown unless a filter marks it as
already formatted: a user's value cannot break a table or inject markup.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, cast

import jinja2
from markupsafe import Markup

from auditkit._io import atomic_write, resource_path
from auditkit.errors import AuditError, format_choices
from auditkit.report.view import build_view

__all__ = [
    "FILE_NAMES",
    "FORMATS",
    "ReportError",
    "load_results",
    "markdown_escape",
    "render",
    "write_report_files",
]

logger = logging.getLogger(__name__)

Format = Literal["html", "markdown", "junit"]

TEMPLATES: dict[str, str] = {
    "html": "report.html.j2",
    "markdown": "report.md.j2",
    "junit": "junit.xml.j2",
}
FILE_NAMES: dict[str, str] = {
    "json": "results.json",
    "html": "report.html",
    "markdown": "report.md",
    "junit": "junit.xml",
}
FORMATS: tuple[str, ...] = tuple(FILE_NAMES)

_REQUIRED_KEYS = ("audit", "verdict", "criteria", "metrics", "model")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class ReportError(AuditError):
    """A report could not be rendered: a broken template or unreadable results."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ):
        super().__init__(message, file=file, hint=hint)
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{hint}"


# -- public API --------------------------------------------------------------


def render(
    results: Mapping[str, Any],
    fmt: Format,
    *,
    templates: str | Path | None = None,
) -> str:
    """Render one report from a results dict.

    Args:
        results: The results, as the engine writes them to results.json.
        fmt: ``html``, ``markdown`` or ``junit``.
        templates: A folder of custom templates; the built-ins fill the gaps.

    Returns:
        The report's text.

    Raises:
        ReportError: The format is unknown, the results lack a key, or a
            template has a syntax error or uses an undefined name.
    """
    if fmt not in TEMPLATES:
        raise ReportError(
            f"unknown report format {fmt!r}", hint=format_choices(fmt, TEMPLATES)
        )
    results = _normalized(results)
    view = _view(
        results, generated=_generation_time(results) if fmt == "html" else None
    )
    environment = _environment(fmt, templates)
    return _render_template(environment, TEMPLATES[fmt], report=view, results=results)


def write_report_files(
    result: Any,
    directory: str | Path | None = None,
    *,
    formats: Iterable[str] | None = None,
    templates: str | Path | None = None,
) -> dict[str, Path]:
    """Write results.json and the reports into ``directory``.

    Everything is rendered before anything is written, so a broken template
    leaves the previous reports in place rather than half of new ones.

    Args:
        result: A results dict, or an object whose ``to_dict()`` returns one
            (an ``AuditResult``).
        directory: The folder to write into, created when missing. Default:
            ``reports/<audit name>`` under the current directory.
        formats: Any of ``json``, ``html``, ``markdown``, ``junit``; all by default.
        templates: A folder of custom templates.

    Returns:
        The path written for each format.

    Raises:
        ReportError: A format is unknown or a report cannot be rendered.
    """
    results = result.to_dict() if hasattr(result, "to_dict") else result
    chosen = list(FORMATS if formats is None else formats)
    for name in chosen:
        if name not in FILE_NAMES:
            raise ReportError(
                f"unknown report format {name!r}", hint=format_choices(name, FILE_NAMES)
            )
    if directory is None:
        directory = Path("reports") / results["audit"]["name"]
    directory = Path(directory)

    text = _results_json(results)
    loaded = json.loads(text)
    documents = {
        name: text
        if name == "json"
        else render(loaded, cast(Format, name), templates=templates)
        for name in dict.fromkeys(chosen)
    }

    written = {}
    for name, document in documents.items():
        path = directory / FILE_NAMES[name]
        atomic_write(path, document)
        written[name] = path
    logger.info("wrote %s to %s", ", ".join(FILE_NAMES[n] for n in written), directory)
    return written


def load_results(path: str | Path) -> dict[str, Any]:
    """Read a results.json written by a past run.

    Raises:
        ReportError: The file is missing, is not JSON, or is not a results file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ReportError(
            "results file not found",
            file=str(path),
            hint="`auditkit run AUDIT` writes reports/<name>/results.json",
        ) from err
    except (OSError, UnicodeDecodeError) as err:
        raise ReportError(f"cannot read results file: {err}", file=str(path)) from err

    try:
        results = json.loads(text)
    except json.JSONDecodeError as err:
        raise ReportError(
            f"not valid JSON: {err.msg} at column {err.colno}",
            file=str(path),
            line=err.lineno,
            hint="results.json is written by `auditkit run`; re-run the audit",
        ) from err
    _check_results(results, str(path))
    return results


def markdown_escape(text: str) -> str:
    """Escape text so Markdown shows it literally, on one line, even in a table cell.

    Pipes, backticks, emphasis and link brackets are backslash-escaped; ``<``,
    ``>`` and ``&`` become entities, so no HTML reaches the page; line breaks
    become ``<br>``. Underscores inside words stay bare, since they cannot
    start emphasis and ``applicant_id`` should read as written.
    """
    text = text.replace("\\", "\\\\")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([`*\[\]|~$])", r"\\\1", text)
    text = re.sub(r"(?<![^\W_])_|_(?![^\W_])", r"\\_", text)
    # Block markers count only at the start and before a space: "-5" and
    # "0.1.0" stay as they are, "- x", "# x" and "1. x" are escaped.
    text = re.sub(r"^([#+=-])(?=[\s#+=-]|$)", r"\\\1", text)
    text = re.sub(r"^(\d{1,9})([.)])(?=\s|$)", r"\1\\\2", text)
    return re.sub(r"\r\n|\r|\n", "<br>", text)


# -- results -----------------------------------------------------------------


def _results_json(results: Mapping[str, Any]) -> str:
    try:
        return json.dumps(results, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    except (TypeError, ValueError) as err:
        raise ReportError(f"results cannot be written as JSON: {err}") from err


def _normalized(results: Mapping[str, Any]) -> dict[str, Any]:
    # Round-trip through JSON so a result in memory and the same result read
    # back from results.json render to the same bytes (key order, tuples).
    _check_results(results, None)
    return json.loads(_results_json(results))


def _check_results(results: Any, file: str | None) -> None:
    if not isinstance(results, Mapping):
        raise ReportError(
            f"expected a JSON object of results, found {type(results).__name__}",
            file=file,
        )
    missing = [key for key in _REQUIRED_KEYS if key not in results]
    if missing:
        raise ReportError(
            f"not an auditkit results file: missing {', '.join(missing)}",
            file=file,
            hint="results.json is written by `auditkit run`",
        )


def _view(results: Mapping[str, Any], generated: str | None) -> Any:
    try:
        return build_view(results, generated=generated)
    except (KeyError, TypeError, AttributeError, IndexError) as err:
        detail = f"missing key {err}" if isinstance(err, KeyError) else str(err)
        raise ReportError(
            f"results do not have the shape this auditkit reads ({detail})",
            hint="re-run the audit with this version of auditkit",
        ) from err


def _generation_time(results: Mapping[str, Any]) -> str | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            logger.warning("ignoring SOURCE_DATE_EPOCH=%r: not a whole number", epoch)
        else:
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    created = results.get("created")
    return str(created) if created else None


# -- templates ---------------------------------------------------------------


class _Markdown(str):
    """Text already formatted as Markdown; printed as it is."""


def _markdown_finalize(value: Any) -> str:
    if isinstance(value, _Markdown):
        return value
    return markdown_escape(str(value))


def _markup_finalize(value: Any) -> Any:
    # Characters XML 1.0 forbids would make junit.xml unreadable by CI.
    if isinstance(value, Markup):
        return Markup(_XML_ILLEGAL.sub("", str(value)))
    if isinstance(value, str):
        return _XML_ILLEGAL.sub("", value)
    return value


def _code_span(value: Any) -> _Markdown:
    """Format a value as a Markdown code span, safe inside a table cell."""
    text = re.sub(r"\r\n|\r|\n", " ", str(value)).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return _Markdown(f"{fence}{padding}{text}{padding}{fence}")


def _loader(templates: str | Path | None) -> jinja2.BaseLoader:
    builtin = jinja2.FileSystemLoader(str(resource_path("templates")))
    if templates is None:
        return builtin
    folder = Path(templates)
    if not folder.is_dir():
        raise ReportError(
            "templates folder not found",
            file=str(folder),
            hint="report.templates names a folder of Jinja2 templates, "
            "relative to the audit file",
        )
    return jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(folder)), builtin])


def _environment(fmt: str, templates: str | Path | None) -> jinja2.Environment:
    is_markdown = fmt == "markdown"
    environment = jinja2.Environment(
        loader=_loader(templates),
        autoescape=False
        if is_markdown
        else jinja2.select_autoescape(
            enabled_extensions=("html", "xml", "html.j2", "xml.j2", "svg.j2"),
            default_for_string=True,
            default=False,
        ),
        undefined=jinja2.StrictUndefined,
        finalize=_markdown_finalize if is_markdown else _markup_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["code"] = _code_span
    return environment


def _render_template(environment: jinja2.Environment, name: str, **context: Any) -> str:
    try:
        return environment.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as err:
        raise ReportError(
            f"template syntax error: {err.message}",
            file=err.filename or err.name or name,
            line=err.lineno,
            hint="fix the template, or remove it to use the built-in one",
        ) from err
    except jinja2.TemplateNotFound as err:
        raise ReportError(
            f"template {err.name!r} not found",
            file=name,
            hint="custom templates may only include or extend names that exist",
        ) from err
    except Exception as err:
        file, line = _template_frame(err)
        if file is None:
            raise
        problem = (
            f"undefined name in template: {err}"
            if isinstance(err, jinja2.UndefinedError)
            else f"template failed: {type(err).__name__}: {err}"
        )
        raise ReportError(
            problem,
            file=file,
            line=line,
            hint="the template sees `report` (the formatted view) and `results` "
            "(results.json as read)",
        ) from err


def _template_frame(err: BaseException) -> tuple[str | None, int | None]:
    """Find the template file and line where rendering failed.

    Jinja rewrites tracebacks so that template code shows its own file name and
    line; the innermost frame that is not Python is where the template went wrong.
    """
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if not frame.filename.endswith(".py") and not frame.filename.startswith("<"):
            return frame.filename, frame.lineno
    return None, None
