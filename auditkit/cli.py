"""The ``auditkit`` command line: a thin shell over the Python API.

Exit codes: 0 pass, 1 a criterion failed, 2 invalid audit file or usage,
3 the model or a data source failed at run time, 4 inconclusive. With several
audits the most severe wins, in the order 3, 2, 1, 4, 0.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from . import api
from ._version import __version__
from .engine import DEFAULT_MAX_ROWS
from .errors import AuditError, AuditWarning, SpecError
from .executors import EXECUTORS
from .matrix import Design
from .results import AuditResult

__all__ = ["main", "worst_exit_code"]

logger = logging.getLogger(__name__)

_SEVERITY = {3: 4, 2: 3, 1: 2, 4: 1, 0: 0}
_STATUS_STYLE = {"pass": "green", "fail": "bold red", "inconclusive": "yellow"}
# Profiles above which a progress bar is worth showing.
_PROGRESS_FROM = 200_000

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def worst_exit_code(codes: Sequence[int]) -> int:
    """The most severe of several exit codes, in the order 3, 2, 1, 4, 0."""
    return max(codes, key=lambda code: _SEVERITY.get(code, 5), default=0)


def _report_error(path: str, err: AuditError) -> int:
    if isinstance(err, SpecError):
        for problem in err.problems:
            stderr.print(f"[red]error[/]: {escape(str(problem))}")
        stderr.print(f"{escape(path)}: {escape(err.message)}")
    else:
        where = "" if err.file else f"{escape(path)}: "
        stderr.print(f"[red]error[/]: {where}{escape(str(err))}")
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("details", exc_info=err)
    return err.exit_code


def _figure(value: float | None, low: float | None, high: float | None) -> str:
    if value is None:
        return "undefined"
    text = f"{value:.4g}"
    if low is not None and high is not None:
        text += f" [{low:.4g}, {high:.4g}]"
    return text


def _threshold(criterion: dict) -> str:
    low, high = criterion["min"], criterion["max"]
    if low is not None and high is not None:
        return f"{low:g} .. {high:g}"
    return f">= {low:g}" if low is not None else f"<= {high:g}"


def _summary(result: AuditResult, paths: dict[str, Path]) -> None:
    flip = result.metrics["joint"]["flip_rate"]
    table = Table(
        title=f"{result.name}: {result.verdict.upper()}", title_justify="left"
    )
    table.add_column("criterion", overflow="fold")
    level = f"{result.audit.spec.confidence:.0%}"
    for header in ("severity", f"figure [{level} CI]", "threshold", "status"):
        table.add_column(header, no_wrap=True, min_width=len(header))
    for criterion in result.criteria:
        status = criterion["status"]
        table.add_row(
            escape(criterion["label"]),
            criterion["severity"],
            _figure(criterion["value"], criterion["low"], criterion["high"]),
            _threshold(criterion),
            f"[{_STATUS_STYLE[status]}]{status}[/]",
        )
    stdout.print(table)
    stdout.print(
        f"joint flip rate {_figure(flip['value'], flip['low'], flip['high'])}: "
        f"{flip['count']:,} of {flip['total']:,} profiles changed decision "
        f"across {result.matrix['combinations']} clones each"
    )
    for caveat in result.warnings:
        stdout.print(f"[yellow]caveat[/]: {escape(caveat)}")
    folder = next(iter(paths.values())).parent if paths else None
    if folder is not None:
        stdout.print(f"reports: {escape(str(folder))}")


def _verdict_exit(result: AuditResult, inconclusive: str) -> int:
    if result.verdict == "inconclusive" and inconclusive != "review":
        return 0 if inconclusive == "pass" else 1
    return result.exit_code


def _run_one(path: str, options: dict, inconclusive: str, show_progress: bool) -> int:
    try:
        audit = api.load_audit(path)
        size = options.get("size") or audit.spec.population.size or 0
        with warnings.catch_warnings():
            # Caveats are collected in the result and printed with the summary.
            warnings.simplefilter("ignore", AuditWarning)
            if show_progress and size >= _PROGRESS_FROM:
                result, paths = _run_with_progress(audit, options)
            else:
                result, paths = api.run_and_report(audit, **options)
    except AuditError as err:
        return _report_error(path, err)
    except Exception as err:  # a defect, not a user error: say so without a traceback
        logger.debug("internal error", exc_info=err)
        stderr.print(
            f"[red]internal error[/] while running {escape(path)}: "
            f"{type(err).__name__}: {escape(str(err))} (run with -vv for details)"
        )
        return 3
    _summary(result, paths)
    return _verdict_exit(result, inconclusive)


def _run_with_progress(audit, options: dict):
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[speed]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=stderr, transient=True) as bar:
        task = bar.add_task(f"auditing {audit.spec.name}", total=None, speed="")
        clones = Design.from_spec(audit.spec.protected).combinations

        def advance(done: int, total: int) -> None:
            elapsed = bar.tasks[0].elapsed or 0
            speed = f"{done * clones / elapsed:,.0f} rows/s" if elapsed else ""
            bar.update(task, completed=done, total=total, speed=speed)

        return api.run_and_report(audit, progress=advance, **options)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditkit")
@click.option(
    "-v", "--verbose", count=True, help="More detail: -v for progress, -vv for debug."
)
def cli(verbose: int) -> None:
    """Counterfactual bias audits for machine-learning models."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("auditkit").setLevel(level)


@cli.command()
@click.argument("audits", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Parent folder of the report folders.",
)
@click.option("--seed", type=click.IntRange(min=0), help="Override the audit's seed.")
@click.option(
    "--size", type=click.IntRange(min=1), help="Override the number of base profiles."
)
@click.option(
    "--inconclusive",
    type=click.Choice(["review", "pass", "fail"]),
    default="review",
    show_default=True,
    help="Exit code for an inconclusive verdict: review (4), pass (0) or fail (1).",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    help="Profiles per chunk (default: chosen from the memory free).",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    help="Refuse matrices with more rows (profiles x combinations) "
    f"[default: {DEFAULT_MAX_ROWS:,}].",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes scoring chunks; the figures do not depend on it.",
)
@click.option(
    "--executor",
    type=click.Choice(EXECUTORS),
    default="local",
    show_default=True,
    help="Score on this machine, or on a dask.distributed cluster.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Dask scheduler to send chunks to, e.g. tcp://10.0.0.5:8786 "
    "(with --executor dask; default: a local cluster of --workers).",
)
@click.option(
    "--templates", type=click.Path(file_okay=False), help="Custom report templates."
)
@click.option(
    "--progress/--no-progress", default=True, help="Progress bar on long runs."
)
def run(
    audits,
    out,
    seed,
    size,
    inconclusive,
    chunk_size,
    max_rows,
    workers,
    executor,
    scheduler,
    templates,
    progress,
):
    """Run audits, write their reports, exit with the worst verdict."""
    options = {
        "out": out,
        "seed": seed,
        "size": size,
        "chunk_size": chunk_size,
        "max_rows": max_rows,
        "templates": templates,
        "workers": workers,
        "executor": executor,
        "scheduler": scheduler,
    }
    codes = [_run_one(path, options, inconclusive, progress) for path in audits]
    return worst_exit_code(codes)


@cli.command()
@click.argument("audits", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(audits):
    """Check audit files, their providers, files and criteria, without running."""
    codes = []
    for path in audits:
        try:
            api.load_audit(path)
        except AuditError as err:
            codes.append(_report_error(path, err))
            continue
        stdout.print(f"[green]ok[/]: {escape(path)}")
        codes.append(0)
    return worst_exit_code(codes)


@cli.command()
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Write to this file, not stdout."
)
def schema(out):
    """Print or write the JSON Schema of audit files."""
    from .schema import audit_schema, write_schema

    if out:
        write_schema(out)
        stdout.print(f"wrote {escape(out)}")
    else:
        from .results import to_json

        sys.stdout.write(to_json(audit_schema()))
    return 0


@cli.command()
@click.argument("filter", required=False)
@click.option("--locale", default="en", show_default=True, help="Mimesis locale.")
def providers(filter, locale):
    """List Mimesis providers usable in `provider:` fields."""
    from .population import list_providers

    table = Table(title="Mimesis providers", title_justify="left")
    for header in ("provider", "arguments", "vectorised", "summary"):
        table.add_column(header, overflow="fold")
    rows = list_providers(filter, locale=locale)
    for info in rows:
        table.add_row(
            info.name,
            escape(info.signature),
            "yes" if info.vectorised else "no",
            escape(info.summary),
        )
    stdout.print(table)
    fast = sum(info.vectorised for info in rows)
    stdout.print(f"{len(rows)} providers, {fast} vectorised (drawn with numpy)")
    return 0


@cli.command(name="report")
@click.argument("results", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "markdown", "junit"]),
    required=True,
    help="Report to render.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Write to this file, not stdout."
)
@click.option(
    "--templates", type=click.Path(file_okay=False), help="Custom report templates."
)
def report_command(results, fmt, out, templates):
    """Re-render a report from a past run's results.json."""
    from . import report
    from ._io import atomic_write

    try:
        data = report.load_results(results)
        text = report.render(data, fmt, templates=templates)
    except AuditError as err:
        return _report_error(results, err)
    if out:
        atomic_write(out, text)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``auditkit`` command; returns the exit code."""
    try:
        code = cli.main(
            args=list(argv) if argv is not None else None, standalone_mode=False
        )
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as err:
        err.show()
        return 2
    except click.Abort:
        stderr.print("aborted")
        return 130
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
