"""scikit-learn estimators saved with skops, loaded without running code."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from ..errors import AuditError, ModelError
from ..spec import SkopsModel
from ._artifact import artifact_path, load_artifact
from .base import Model

__all__ = ["load_skops_model"]


def load_skops_model(spec: SkopsModel, base_dir: Path) -> Model:
    """Load a ``.skops`` file, allowing only skops' safe types and ``trusted``."""
    try:
        import skops.io as sio
    except ImportError as err:
        raise AuditError(
            "model type skops needs the skops package",
            hint='install it with: pip install "auditkit[skops]"',
        ) from err

    path = artifact_path(spec, base_dir)
    try:
        untrusted = sorted(set(sio.get_untrusted_types(file=path)) - set(spec.trusted))
    except Exception as err:
        raise ModelError(f"cannot read {path}: {type(err).__name__}: {err}") from err
    if untrusted:
        raise AuditError(
            f"model.path {spec.path} holds types that are not trusted: {untrusted}",
            hint="review them, then list the ones you trust under model.trusted",
        )
    return load_artifact(spec, path, partial(sio.load, trusted=spec.trusted or None))
