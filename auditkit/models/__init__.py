"""Model adapters: one file per kind of model, one interface for the engine."""

from __future__ import annotations

from pathlib import Path

from ..spec import ModelSpec, PythonModel, SklearnModel
from .base import Model
from .python import load_python_model
from .sklearn import load_sklearn_model
from .skops import load_skops_model

__all__ = ["Model", "load_model"]


def load_model(spec: ModelSpec, base_dir: Path) -> Model:
    """Load the model an audit names, relative paths resolved from ``base_dir``."""
    if isinstance(spec, PythonModel):
        model = load_python_model(spec, base_dir)
    elif isinstance(spec, SklearnModel):
        model = load_sklearn_model(spec, base_dir)
    else:
        model = load_skops_model(spec, base_dir)
    model.check()
    return model
