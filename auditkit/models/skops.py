"""scikit-learn estimators saved with skops, loaded without running code."""

from __future__ import annotations

from pathlib import Path

from ..errors import AuditError, ModelError
from ..spec import SkopsModel
from .base import Model, sha256_of

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

    path = (base_dir / spec.path).resolve()
    if not path.is_file():
        raise AuditError(f"model.path: no file at {path}", hint="check the path")
    try:
        untrusted = sorted(set(sio.get_untrusted_types(file=path)) - set(spec.trusted))
    except Exception as err:
        raise ModelError(f"cannot read {path}: {type(err).__name__}: {err}") from err
    if untrusted:
        raise AuditError(
            f"model.path {spec.path} holds types that are not trusted: {untrusted}",
            hint="review them, then list the ones you trust under model.trusted",
        )
    try:
        estimator = sio.load(path, trusted=spec.trusted or None)
    except Exception as err:
        raise ModelError(f"cannot load {path}: {type(err).__name__}: {err}") from err
    description = {
        "type": "skops",
        "target": None,
        "path": spec.path,
        "sha256": sha256_of(path),
    }
    return Model(estimator, spec.favorable, spec.threshold, spec.features, description)
