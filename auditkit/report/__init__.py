"""Compliance reports: HTML, Markdown and JUnit, rendered from results.json.

``write_report_files`` writes a run's results.json and its reports into one
folder (``auditkit.write_reports`` chooses ``<directory>/<name>/``); ``render``
renders one report from a results dict; ``load_results`` reads a past run's
results.json back, so ``auditkit report`` can re-render it in any format.
"""

from __future__ import annotations

from auditkit.report.render import (
    FILE_NAMES,
    FORMATS,
    ReportError,
    load_results,
    markdown_escape,
    render,
    write_report_files,
)
from auditkit.report.view import ReportView, build_view

__all__ = [
    "FILE_NAMES",
    "FORMATS",
    "ReportError",
    "ReportView",
    "build_view",
    "load_results",
    "markdown_escape",
    "render",
    "write_report_files",
]
