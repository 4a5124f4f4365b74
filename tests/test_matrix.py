"""Tests of the counterfactual matrix expansion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditkit.matrix import Design, expand
from auditkit.spec import ProtectedAttribute

DESIGN = Design.from_spec(
    {
        "gender": ProtectedAttribute(
            column="Gender_Code", values={"Male": 1, "Female": 0}
        ),
        "race": ProtectedAttribute(values=["a", "b", "c"], reference="b"),
    }
)
BASE = pd.DataFrame({"income": [10, 20], "city": ["X", "Y"]}, index=pd.RangeIndex(5, 7))


def test_design_reads_labels_encodings_and_references():
    """Check the design of a mapping and a list attribute."""
    assert DESIGN.shape == (2, 3)
    assert DESIGN.combinations == 6
    assert DESIGN.columns == ("Gender_Code", "race")
    assert DESIGN.references == ("Male", "b")


def test_expand_is_profile_major_with_last_attribute_fastest():
    """Check row order, labels and that base columns repeat unchanged."""
    matrix = expand(BASE, DESIGN)
    assert len(matrix) == 12
    assert matrix["profile_id"].tolist() == [5] * 6 + [6] * 6
    assert matrix["Gender_Code"].tolist()[:6] == [1, 1, 1, 0, 0, 0]
    assert matrix["race"].tolist()[:6] == ["a", "b", "c", "a", "b", "c"]
    assert matrix["gender"].tolist()[:6] == ["Male"] * 3 + ["Female"] * 3
    assert matrix.groupby("profile_id")["income"].nunique().max() == 1
    assert matrix["city"].tolist()[6:] == ["Y"] * 6


def test_expand_materialises_only_the_requested_columns_in_order():
    """Check that a model's feature list selects and orders the columns."""
    matrix = expand(BASE, DESIGN, columns=["income", "Gender_Code"], labels=False)
    assert list(matrix.columns) == ["income", "Gender_Code"]


def test_linked_field_follows_its_attribute_value():
    """Check that each clone gets the linked value generated for its label."""
    names = (0, [np.array(["Tom", "Bob"]), np.array(["Ann", "Eve"])])
    matrix = expand(BASE, DESIGN, linked={"first_name": names})
    first = matrix[matrix["profile_id"] == 5]
    assert first["first_name"].tolist() == ["Tom"] * 3 + ["Ann"] * 3
    assert matrix[matrix["profile_id"] == 6]["first_name"].tolist()[0] == "Bob"
