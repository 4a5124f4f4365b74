"""Tests of the command line, in-process through main() and once as a process."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from auditkit.cli import main, worst_exit_code

from .conftest import LOAN_AUDIT

FAIR = LOAN_AUDIT.replace("loanmodel:train", "loanmodel:fair").replace(
    "size: 300", "size: 1000"
)
INCONCLUSIVE = FAIR.replace("size: 1000", "size: 300")


@pytest.mark.parametrize(
    ("codes", "worst"),
    [([0, 4], 4), ([4, 1], 1), ([1, 2], 2), ([2, 3], 3), ([0, 0], 0), ([3, 0, 4], 3)],
)
def test_worst_exit_code_follows_severity_order(codes, worst):
    """Check the order 3, 2, 1, 4, 0 for several audits."""
    assert worst_exit_code(codes) == worst


def test_run_biased_audit_exits_1_and_writes_reports(write_audit, tmp_path, capsys):
    """Check that the loan audit fails with exit 1 and a summary on stdout."""
    code = main(["run", str(write_audit()), "--out", str(tmp_path / "reports")])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL" in out and "flip_rate" in out
    results = json.loads((tmp_path / "reports/loan/results.json").read_text())
    assert results["verdict"] == "fail"
    assert results["metrics"]["joint"]["flip_rate"]["count"] == 300


@pytest.mark.parametrize(
    ("option", "code"),
    [([], 4), (["--inconclusive", "pass"], 0), (["--inconclusive", "fail"], 1)],
)
def test_inconclusive_exit_code_can_be_mapped(write_audit, tmp_path, option, code):
    """Check exit 4 for inconclusive, and --inconclusive pass|fail."""
    path = write_audit(INCONCLUSIVE)
    assert main(["run", str(path), "--out", str(tmp_path / "r"), *option]) == code


def test_passing_audit_exits_0(write_audit, tmp_path):
    """Check exit 0 when every error criterion passes."""
    assert main(["run", str(write_audit(FAIR)), "--out", str(tmp_path / "r")]) == 0


def test_several_audits_exit_with_the_worst(write_audit, tmp_path):
    """Check that a failing and an invalid audit together exit 2."""
    good = write_audit(FAIR, name="fair.yaml")
    bad = write_audit("auditkit: 1\nname: Bad Name\n", name="bad.yaml")
    assert main(["run", str(good), str(bad), "--out", str(tmp_path / "r")]) == 2


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            LOAN_AUDIT.replace("numeric.integer_number", "numeric.integer_numbr"),
            r"audit\.yaml:\d+:\d+: population\.fields\.income\.provider: "
            r".*integer_number",
        ),
        (LOAN_AUDIT + "seed: 3\n", r"audit\.yaml:\d+:\d+: .*seed.*duplicate"),
        (
            LOAN_AUDIT.replace(
                "target: loanmodel:train", "target: loanmodel:train\n  typ: x"
            ),
            r"audit\.yaml:7:\d+: model\.typ: unknown key",
        ),
    ],
)
def test_invalid_audits_exit_2_with_file_line_and_fix(write_audit, capsys, text, match):
    """Check that validate reports file:line:col and key, without a traceback."""
    assert main(["validate", str(write_audit(text))]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert any(re.search(match, line, re.IGNORECASE) for line in err.splitlines())


def test_untrusted_pickle_exits_2(tmp_path, capsys):
    """Check that a pickle without trust: true is an invalid audit."""
    (tmp_path / "m.joblib").write_bytes(b"x")
    text = LOAN_AUDIT.replace(
        "type: python\n  target: loanmodel:train", "type: sklearn\n  path: m.joblib"
    )
    (tmp_path / "audit.yaml").write_text(text)
    assert main(["run", str(tmp_path / "audit.yaml")]) == 2
    assert "trust" in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path, capsys):
    """Check that a missing audit file is reported, not raised."""
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml" in capsys.readouterr().err


def test_usage_error_exits_2(capsys):
    """Check that a bad option is a usage error."""
    assert main(["run", "--inconclusive", "maybe", "x.yaml"]) == 2


def test_schema_command_writes_the_schema(tmp_path):
    """Check that `schema --out` writes a JSON Schema of the audit file."""
    assert main(["schema", "--out", str(tmp_path / "s.json")]) == 0
    schema = json.loads((tmp_path / "s.json").read_text())
    assert "population" in schema["properties"]


def test_providers_lists_vectorised_providers(capsys):
    """Check that `providers person` lists first_name and says it is vectorised."""
    assert main(["providers", "person.first"]) == 0
    out = capsys.readouterr().out
    assert "person.first_name" in out and "yes" in out


def test_report_command_rerenders_markdown(write_audit, tmp_path, capsys):
    """Check that `report results.json --format markdown` re-renders a past run."""
    main(["run", str(write_audit()), "--out", str(tmp_path / "r")])
    capsys.readouterr()
    results = tmp_path / "r/loan/results.json"
    assert main(["report", str(results), "--format", "markdown"]) == 0
    assert capsys.readouterr().out == (tmp_path / "r/loan/report.md").read_text()


def test_console_script_runs_as_a_process(write_audit, tmp_path):
    """Check the installed entry point end to end in a subprocess."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditkit.cli",
            "run",
            str(write_audit()),
            "--out",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "r/loan/report.html").is_file()


def test_long_run_shows_progress_and_still_reports(write_audit, tmp_path, capsys):
    """Check that a run large enough for the progress bar completes normally."""
    path = write_audit()
    code = main(["run", str(path), "--size", "200000", "--out", str(tmp_path / "r")])
    assert code == 1
    results = json.loads((tmp_path / "r/loan/results.json").read_text())
    assert results["population"]["size"] == 200_000


def test_internal_error_is_reported_without_traceback(write_audit, monkeypatch, capsys):
    """Check that a defect surfaces as one line with exit 3, not a traceback."""
    from auditkit import api

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(api, "run_and_report", broken)
    assert main(["run", str(write_audit())]) == 3
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err
