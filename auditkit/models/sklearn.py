"""scikit-learn estimators saved with joblib or pickle."""

from __future__ import annotations

from pathlib import Path

from ..errors import AuditError, ModelError
from ..spec import SklearnModel
from .base import Model, sha256_of

__all__ = ["load_sklearn_model"]


def load_sklearn_model(spec: SklearnModel, base_dir: Path) -> Model:
    """Load a joblib or pickle file, only when the audit says it is trusted.

    Unpickling runs whatever code the file holds, so an untrusted file is
    refused before it is opened.
    """
    path = (base_dir / spec.path).resolve()
    if not spec.trust:
        raise AuditError(
            f"model.path {spec.path}: refusing to load a pickle without `trust: true`",
            hint="loading a pickle runs code stored in it; set `trust: true` only for "
            "files you made or trust, or save the model with skops (type: skops)",
        )
    if not path.is_file():
        raise AuditError(f"model.path: no file at {path}", hint="check the path")

    import joblib

    try:
        estimator = joblib.load(path)
    except Exception as err:
        raise ModelError(f"cannot load {path}: {type(err).__name__}: {err}") from err
    description = {
        "type": "sklearn",
        "target": None,
        "path": spec.path,
        "sha256": sha256_of(path),
    }
    return Model(estimator, spec.favorable, spec.threshold, spec.features, description)
