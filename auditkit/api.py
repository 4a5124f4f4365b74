"""The Python API: load an audit, run it, write its reports.

The command line is a thin shell over these functions; notebooks and pytest
call them directly.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import pandas as pd

from ._io import atomic_open
from .engine import run_audit
from .errors import DataError
from .loader import LoadedAudit, check_audit
from .results import AuditResult

__all__ = ["load_audit", "run_and_report", "run_audit", "write_reports"]

logger = logging.getLogger(__name__)

_FORMATS = ("json", "html", "markdown", "junit")


def load_audit(path: str | Path) -> LoadedAudit:
    """Read, validate and check an audit file without running its model.

    Raises:
        SpecError: Every problem found, each with file, line and key.
    """
    return check_audit(path)


def _report_dir(audit: LoadedAudit, directory: str | Path | None) -> Path:
    """``<directory>/<name>/``; the audit's ``report.directory`` when None."""
    if directory is None:
        directory = audit.base_dir / audit.spec.report.directory
    return Path(directory) / audit.spec.name


def _templates(result: AuditResult, templates: str | Path | None) -> Path | None:
    if templates is not None:
        return Path(templates)
    declared = result.audit.spec.report.templates
    return result.audit.base_dir / declared if declared else None


def write_reports(
    result: AuditResult,
    directory: str | Path | None = None,
    *,
    formats: list[str] | None = None,
    templates: str | Path | None = None,
) -> dict[str, Path]:
    """Write ``results.json`` and the reports into ``<directory>/<name>/``.

    Args:
        result: The run to report.
        directory: Parent folder of the report folder; the audit's
            ``report.directory`` (relative to the audit file) when None.
        formats: Subset of json, html, markdown, junit; the audit's when None.
        templates: Folder of templates replacing the built-in ones.

    Returns:
        Format -> written path.
    """
    from . import report

    wanted = formats or list(result.audit.spec.report.formats)
    ordered = [fmt for fmt in _FORMATS if fmt in wanted]
    return report.write_report_files(
        result,
        _report_dir(result.audit, directory),
        formats=ordered,
        templates=_templates(result, templates),
    )


class _MatrixWriter:
    """Streams matrix chunks, in profile order, into one open file."""

    def __init__(self, handle: IO, fmt: str):
        self._handle = handle
        self._format = fmt
        self._parquet: Any = None  # a pyarrow ParquetWriter, once opened
        self._header = True

    def __call__(self, chunk: pd.DataFrame) -> None:
        if self._format == "csv":
            chunk.to_csv(
                self._handle, index=False, header=self._header, lineterminator="\n"
            )
            self._header = False
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(chunk, preserve_index=False)
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self._handle, table.schema)
        self._parquet.write_table(table)

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()


def _matrix_format(audit: LoadedAudit) -> str | None:
    declared = audit.spec.report.matrix
    if declared is False:
        return None
    fmt = "csv" if declared is True else declared
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError as err:
            raise DataError(
                "report.matrix: parquet needs pyarrow",
                hint='install it with: pip install "auditkit[parquet]", or use csv',
            ) from err
    return fmt


def run_and_report(
    audit: LoadedAudit | str | Path,
    *,
    out: str | Path | None = None,
    templates: str | Path | None = None,
    **options,
) -> tuple[AuditResult, dict[str, Path]]:
    """Run an audit and write every report it asks for, as ``auditkit run`` does.

    Args:
        audit: A loaded audit or the path of an audit file.
        out: Parent folder of the report folder (default: the audit's).
        templates: Folder of templates replacing the built-in ones.
        **options: Passed to :func:`run_audit` (size, seed, chunk_size, ...).
    """
    if not isinstance(audit, LoadedAudit):
        audit = check_audit(audit)
    fmt = _matrix_format(audit)
    matrix_path = _report_dir(audit, out) / f"matrix.{fmt}"
    with ExitStack() as stack:
        writer = None
        if fmt is not None:
            # The file is moved into place only when the whole run succeeds.
            handle = stack.enter_context(
                atomic_open(matrix_path, "wb" if fmt == "parquet" else "w")
            )
            writer = _MatrixWriter(handle, fmt)
            stack.callback(writer.close)
        result = run_audit(audit, matrix_sink=writer, **options)
    if fmt is not None:
        result.matrix["path"] = matrix_path.name
    paths = write_reports(result, out, templates=templates)
    if fmt is not None:
        paths["matrix"] = matrix_path
    return result, paths
