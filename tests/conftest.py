"""Shared fixtures: audit files written to tmp_path beside small models."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

LOAN_MODEL = """
import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier


def train():
    rng = np.random.default_rng(7)
    gender = rng.integers(0, 2, 3000)
    income = rng.integers(20_000, 150_001, 3000)
    approved = ((gender == 1) | (income > 80_000)).astype(int)
    frame = pd.DataFrame({"Gender_Code": gender, "income": income})
    return DecisionTreeClassifier(max_depth=3, random_state=0).fit(frame, approved)


def fair(frame):
    return (frame["income"] > 55_000).astype(int).to_numpy()


def coin(frame):
    # a score that ignores gender: approvals hover around the threshold
    return ((frame["income"] % 97) / 96.0).to_numpy()
"""

LOAN_AUDIT = """\
auditkit: 1
name: loan
seed: 42
model:
  type: python
  target: loanmodel:train
population:
  size: 300
  fields:
    applicant_id: {provider: cryptographic.uuid, input: false}
    income: {provider: numeric.integer_number, args: {start: 40000, end: 70000}}
protected:
  gender:
    column: Gender_Code
    values: {Male: 1, Female: 0}
criteria:
  - metric: flip_rate
    max: 0.01
  - metric: demographic_parity_ratio
    attribute: gender
    min: 0.8
    severity: warning
"""


@pytest.fixture
def write_audit(tmp_path: Path) -> Callable[..., Path]:
    """Write an audit file (and the small loan model module) into tmp_path."""
    (tmp_path / "loanmodel.py").write_text(LOAN_MODEL)

    def write(text: str = LOAN_AUDIT, name: str = "audit.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return write
