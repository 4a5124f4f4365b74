"""Tests of the example audits shipped in audits/."""

from __future__ import annotations

from pathlib import Path

import pytest

import auditkit

AUDITS = sorted((Path(__file__).resolve().parent.parent / "audits").glob("*.yaml"))


def test_there_are_example_audits():
    """Check that the examples the README promises exist."""
    names = {path.stem for path in AUDITS}
    assert {
        "loan-approval-gender",
        "intersectional-hiring",
        "credit-age-records",
    } <= names


@pytest.mark.parametrize("path", AUDITS, ids=lambda path: path.stem)
def test_example_audit_declares_the_schema_and_validates(path):
    """Check the yaml-language-server line and that the audit validates."""
    first_line = path.read_text().splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=../schemas/audit.schema.json"
    auditkit.load_audit(path)


@pytest.mark.parametrize("path", AUDITS, ids=lambda path: path.stem)
def test_example_audit_writes_all_four_reports(path, tmp_path):
    """Check that every example runs and writes json, html, markdown and junit."""
    result, paths = auditkit.run_and_report(path, out=tmp_path, size=200)
    assert result.verdict in {"pass", "fail", "inconclusive"}
    for fmt in ("json", "html", "markdown", "junit"):
        assert paths[fmt].stat().st_size > 0
