"""scikit-learn estimators saved with joblib or pickle."""

from __future__ import annotations

from pathlib import Path

from ..errors import AuditError
from ..spec import SklearnModel
from ._artifact import artifact_path, load_artifact
from .base import Model

__all__ = ["load_sklearn_model"]


def load_sklearn_model(spec: SklearnModel, base_dir: Path) -> Model:
    """Load a joblib or pickle file, only when the audit says it is trusted.

    Unpickling runs whatever code the file holds, so an untrusted file is
    refused before it is opened.
    """
    if not spec.trust:
        raise AuditError(
            f"model.path {spec.path}: refusing to load a pickle without `trust: true`",
            hint="loading a pickle runs code stored in it; set `trust: true` only for "
            "files you made or trust, or save the model with skops (type: skops)",
        )
    path = artifact_path(spec, base_dir)

    import joblib

    return load_artifact(spec, path, joblib.load)
