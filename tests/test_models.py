"""Tests of the model adapters: python targets, pickles and skops files."""

from __future__ import annotations

import operator
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from auditkit.errors import AuditError, ModelError
from auditkit.models import load_model
from auditkit.spec import PythonModel, SklearnModel, SkopsModel

FRAME = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "g": [0, 1, 0, 1]})


def _fitted() -> LogisticRegression:
    return LogisticRegression().fit(FRAME, [0, 0, 1, 1])


@pytest.fixture
def module_dir(tmp_path: Path) -> Path:
    (tmp_path / "mymodels.py").write_text(
        "import numpy as np\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "import pandas as pd\n"
        "FRAME = pd.DataFrame({'x': [0.0, 1.0, 2.0, 3.0], 'g': [0, 1, 0, 1]})\n"
        "fitted = LogisticRegression().fit(FRAME, [0, 0, 1, 1])\n"
        "def factory():\n"
        "    return LogisticRegression().fit(FRAME, ['no', 'no', 'yes', 'yes'])\n"
        "def rule(frame):\n    return (frame['x'] > 1).astype(int).to_numpy()\n"
        "def short(frame):\n    return np.ones(2)\n"
        "def broken():\n    raise RuntimeError('no data')\n"
    )
    return tmp_path


def test_python_estimator_gives_decisions_and_scores(module_dir):
    """Check that a fitted estimator attribute decides with scores."""
    model = load_model(PythonModel(target="mymodels:fitted"), module_dir)
    decisions, scores = model.decide(FRAME)
    assert decisions.tolist() == [False, False, True, True]
    assert np.allclose(scores, _fitted().predict_proba(FRAME)[:, 1])
    assert model.feature_names(["g", "x", "extra"]) == ["x", "g"]
    assert len(model.description["sha256"]) == 64


def test_python_factory_is_called_and_favorable_can_be_a_string(module_dir):
    """Check that a zero-argument factory is built and string labels work."""
    model = load_model(
        PythonModel(target="mymodels:factory", favorable="yes"), module_dir
    )
    assert model.decide(FRAME)[0].tolist() == [False, False, True, True]


def test_python_function_decides_without_scores(module_dir):
    """Check that a DataFrame -> predictions function is a model without scores."""
    model = load_model(PythonModel(target="mymodels:rule"), module_dir)
    decisions, scores = model.decide(FRAME)
    assert decisions.tolist() == [False, False, True, True]
    assert scores is None
    assert model.feature_names(["x", "g"]) == ["x", "g"]


def test_threshold_decides_on_scores(module_dir):
    """Check that threshold replaces predict() with score >= threshold."""
    model = load_model(PythonModel(target="mymodels:fitted", threshold=0.9), module_dir)
    decisions, scores = model.decide(FRAME)
    assert decisions.tolist() == (scores >= 0.9).tolist()


@pytest.mark.parametrize(
    ("spec", "error", "match"),
    [
        (
            PythonModel(target="nomodule:x"),
            ModelError,
            r"^cannot import module 'nomodule'",
        ),
        (PythonModel(target="mymodels:fited"), ModelError, r"'fited' not found"),
        (
            PythonModel(target="mymodels:broken"),
            ModelError,
            r"factory .* raised RuntimeError",
        ),
        (
            PythonModel(target="mymodels:fitted", favorable=7),
            ModelError,
            r"^favorable label 7 is not one of the model's classes",
        ),
        (PythonModel(target="mymodels:rule", threshold=0.5, favorable=1), None, None),
    ],
)
def test_python_target_errors(module_dir, spec, error, match):
    """Check that unusable targets fail with what and why."""
    if error is None:
        load_model(spec, module_dir)
        return
    with pytest.raises(error, match=match):
        load_model(spec, module_dir)


def test_function_returning_wrong_length_is_a_model_error(module_dir):
    """Check that a function returning too few values is reported."""
    model = load_model(PythonModel(target="mymodels:short"), module_dir)
    with pytest.raises(ModelError, match=r"returned 2 values for 4 rows"):
        model.decide(FRAME)


def test_untrusted_pickle_is_refused_before_loading(tmp_path):
    """Check that a pickle without trust: true is never opened."""
    path = tmp_path / "model.joblib"
    path.write_bytes(b"not even a pickle")
    with pytest.raises(
        AuditError, match=r"refusing to load a pickle without `trust: true`"
    ):
        load_model(SklearnModel(path="model.joblib"), tmp_path)


def test_trusted_joblib_loads(tmp_path):
    """Check that a trusted joblib file loads and scores."""
    joblib.dump(_fitted(), tmp_path / "model.joblib")
    model = load_model(SklearnModel(path="model.joblib", trust=True), tmp_path)
    assert model.decide(FRAME)[0].tolist() == [False, False, True, True]
    assert model.description["path"] == "model.joblib"


def test_skops_file_loads_safely_and_lists_untrusted_types(tmp_path):
    """Check skops loading, and that unknown types must be trusted explicitly."""
    import skops.io as sio

    sio.dump(_fitted(), tmp_path / "model.skops")
    model = load_model(SkopsModel(path="model.skops"), tmp_path)
    assert model.decide(FRAME)[0].tolist() == [False, False, True, True]

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    risky = make_pipeline(FunctionTransformer(operator.neg), LogisticRegression())
    sio.dump(risky.fit(FRAME, [0, 0, 1, 1]), tmp_path / "risky.skops")
    with pytest.raises(
        AuditError, match=r"holds types that are not trusted: .*operator\.neg"
    ):
        load_model(SkopsModel(path="risky.skops"), tmp_path)
    trusted = sio.get_untrusted_types(file=tmp_path / "risky.skops")
    load_model(SkopsModel(path="risky.skops", trusted=trusted), tmp_path)


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("index", [0, 1])
def test_argmax_shortcut_equals_argmax_with_ties(classes, index):
    """Check the two-class comparison against argmax, exact ties included."""
    from auditkit.models.base import _argmax_is

    rng = np.random.default_rng(0)
    proba = rng.integers(0, 4, size=(500, classes)).astype(float)  # many ties
    assert np.array_equal(_argmax_is(proba, index), proba.argmax(axis=1) == index)
