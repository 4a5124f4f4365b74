"""Shared steps of the adapters that load a model file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import AuditError, ModelError
from ..spec import SklearnModel, SkopsModel
from .base import Model, sha256_of

__all__ = ["artifact_path", "load_artifact"]


def artifact_path(spec: SklearnModel | SkopsModel, base_dir: Path) -> Path:
    """The model file, resolved against the audit's folder; it must exist."""
    path = (base_dir / spec.path).resolve()
    if not path.is_file():
        raise AuditError(
            f"model.path: no file at {path}",
            hint="paths are relative to the audit file's folder",
        )
    return path


def load_artifact(
    spec: SklearnModel | SkopsModel, path: Path, load: Callable[[Path], Any]
) -> Model:
    """Load ``path`` with ``load`` and wrap it, with the file's hash."""
    try:
        estimator = load(path)
    except Exception as err:
        raise ModelError(f"cannot load {path}: {type(err).__name__}: {err}") from err
    description = {
        "type": spec.type,
        "target": None,
        "path": spec.path,
        "sha256": sha256_of(path),
    }
    return Model(estimator, spec.favorable, spec.threshold, spec.features, description)
