"""End-to-end tests of the engine through the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import auditkit
from auditkit import AuditWarning
from auditkit.engine import run_audit
from auditkit.errors import AuditError, DataError
from auditkit.results import to_json

from .conftest import LOAN_AUDIT

AUDITS = Path(__file__).resolve().parent.parent / "audits"


def test_biased_loan_model_fails_with_flip_rate_near_one(write_audit):
    """Check the motivating case: equal income, opposite decisions by gender."""
    result = run_audit(write_audit())
    flip = result.metrics["joint"]["flip_rate"]
    assert result.verdict == "fail"
    assert flip["count"] == flip["total"] == 300
    assert flip["low"] > 0.98
    groups = result.metrics["gender"]["groups"]
    assert groups["Male"]["selection_rate"] == 1.0
    assert groups["Female"]["selection_rate"] == 0.0
    assert result.criteria[0]["status"] == "fail"
    assert result.criteria[1]["severity"] == "warning"


def test_examples_show_clones_that_differ_only_in_the_attribute(write_audit):
    """Check that an example's clones share every column but gender."""
    result = run_audit(write_audit())
    example = result.examples[0]
    male, female = example["rows"]
    assert example["flipped"] == ["gender"]
    assert (male["gender"], female["gender"]) == ("Male", "Female")
    assert (male["decision"], female["decision"]) == (True, False)
    unchanged = set(male) - {"gender", "Gender_Code", "decision", "score"}
    assert {key: male[key] for key in unchanged} == {
        key: female[key] for key in unchanged
    }
    assert len(result.examples) == 10


def test_fair_function_model_passes(write_audit):
    """Check that a model ignoring gender passes: 0 flips in 1,000 profiles."""
    text = LOAN_AUDIT.replace("loanmodel:train", "loanmodel:fair")
    path = write_audit(text.replace("size: 300", "size: 1000"))
    result = run_audit(path)
    assert result.verdict == "pass"
    assert result.metrics["joint"]["flip_rate"]["count"] == 0
    assert result.metrics["joint"]["score_gap_mean"] is None
    assert result.examples == []


def test_straddling_interval_is_inconclusive(write_audit):
    """Check that too few profiles for a tight bound give an inconclusive verdict."""
    text = (
        LOAN_AUDIT.replace("loanmodel:train", "loanmodel:fair")
        .replace("size: 300", "size: 40")
        .replace("max: 0.01", "max: 0.05")
    )
    with pytest.warns(AuditWarning, match="only 40 base profiles"):
        result = run_audit(write_audit(text))
    assert result.verdict == "inconclusive"
    assert result.criteria[0]["status"] == "inconclusive"


@pytest.mark.parametrize(
    "audit",
    [
        "loan-approval-gender.yaml",
        "intersectional-hiring.yaml",
        "credit-age-records.yaml",
    ],
)
def test_results_do_not_depend_on_chunk_size(audit):
    """Check byte-identical results.json for two chunk sizes (and a rerun)."""
    path = AUDITS / audit
    small = to_json(run_audit(path, size=150, chunk_size=37).to_dict())
    large = to_json(run_audit(path, size=150, chunk_size=1000).to_dict())
    again = to_json(run_audit(path, size=150, chunk_size=37).to_dict())
    assert small == large == again


def test_intersectional_audit_uses_the_full_cartesian_product():
    """Check that 2 genders x 4 races give 8 clones with linked first names."""
    result = run_audit(AUDITS / "intersectional-hiring.yaml", size=100)
    assert result.matrix["combinations"] == 8
    assert result.matrix["rows"] == 800
    rows = result.examples[0]["rows"]
    assert len(rows) == 8
    names = {row["gender"]: row["first_name"] for row in rows}
    assert len(set(names.values())) == 2  # one name per gender value
    for attribute in ("gender", "race"):
        counts = [g["count"] for g in result.metrics[attribute]["groups"].values()]
        assert sum(counts) == 800


def test_seed_override_changes_profiles_but_not_shape(write_audit):
    """Check that --seed reshuffles the profiles reproducibly."""
    path = write_audit()
    first = run_audit(path, seed=1).examples[0]["rows"][0]["income"]
    second = run_audit(path, seed=2).examples[0]["rows"][0]["income"]
    assert first != second
    assert run_audit(path, seed=1).examples[0]["rows"][0]["income"] == first


def test_matrix_limit_stops_before_any_work(write_audit):
    """Check that a matrix above --max-rows is refused with the size and the fix."""
    with pytest.raises(AuditError, match=r"600 rows \(300 profiles x 2 combinations\)"):
        run_audit(write_audit(), max_rows=500)


def test_missing_model_column_is_a_clear_error(write_audit):
    """Check that a model feature the audit does not make names the closest column."""
    text = LOAN_AUDIT.replace("column: Gender_Code", "column: Gender")
    with pytest.raises(auditkit.ModelError, match=r"needs columns \['Gender_Code'\]"):
        run_audit(write_audit(text))


def test_records_audit_with_size_above_records_is_refused():
    """Check that --size beyond the sampled records fails clearly."""
    with pytest.raises(DataError, match=r"more than the 400 records"):
        run_audit(AUDITS / "credit-age-records.yaml", size=401)


def test_matrix_file_has_one_row_per_clone(write_audit, tmp_path):
    """Check that report.matrix streams every clone with its decision."""
    text = LOAN_AUDIT + "report:\n  matrix: true\n  formats: [json]\n"
    result, paths = auditkit.run_and_report(write_audit(text), out=tmp_path / "out")
    matrix = pd.read_csv(paths["matrix"])
    assert len(matrix) == 600
    assert list(matrix.columns[:3]) == ["profile_id", "gender", "Gender_Code"]
    assert matrix.groupby("profile_id")["income"].nunique().max() == 1
    assert np.array_equal(matrix["decision"].to_numpy(), matrix["Gender_Code"] == 1)
    data = json.loads(paths["json"].read_text())
    assert data["matrix"]["path"] == "matrix.csv"
    assert result.matrix["rows"] == 600


def test_matrix_can_be_written_as_parquet(write_audit, tmp_path):
    """Check that report.matrix: parquet writes every clone to a Parquet file."""
    text = LOAN_AUDIT + "report:\n  matrix: parquet\n  formats: [json]\n"
    _, paths = auditkit.run_and_report(write_audit(text), out=tmp_path / "out")
    matrix = pd.read_parquet(paths["matrix"])
    assert paths["matrix"].name == "matrix.parquet"
    assert len(matrix) == 600
    assert matrix["decision"].sum() == 300


def test_failed_run_leaves_no_partial_outputs(write_audit, tmp_path):
    """Check that a model failing mid-run writes no matrix, results or report."""
    (tmp_path / "broken.py").write_text(
        "def score(frame):\n    raise RuntimeError('feature store offline')\n"
    )
    text = LOAN_AUDIT.replace("loanmodel:train", "broken:score")
    text += "report:\n  matrix: true\n"
    out = tmp_path / "out"
    with pytest.raises(
        auditkit.ModelError, match=r"RuntimeError: feature store offline"
    ):
        auditkit.run_and_report(write_audit(text), out=out)
    leftovers = list(out.rglob("*")) if out.exists() else []
    assert [path for path in leftovers if path.is_file()] == []


def test_source_date_epoch_stamps_the_run(write_audit, monkeypatch):
    """Check that SOURCE_DATE_EPOCH is the one timestamp, and none without it."""
    path = write_audit()
    assert run_audit(path).to_dict()["created"] is None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    stamped = run_audit(path).to_dict()
    assert stamped["created"] == "2023-11-14T22:13:20Z"
    assert to_json(stamped) == to_json(run_audit(path).to_dict())
