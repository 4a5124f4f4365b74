"""Models built by Python code importable from the audit's folder."""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path
from typing import Any

from ..errors import ModelError, closest
from ..spec import PythonModel
from .base import Model, sha256_of

__all__ = ["load_python_model"]


def _forget_foreign(module_name: str, base_dir: Path) -> None:
    """Drop a cached module of the same name that lives outside ``base_dir``."""
    parts = module_name.split(".")
    for depth in range(len(parts), 0, -1):
        name = ".".join(parts[:depth])
        module = sys.modules.get(name)
        location = getattr(module, "__file__", None)
        if (
            module is not None
            and location
            and base_dir not in Path(location).resolve().parents
        ):
            del sys.modules[name]


def _import(module_name: str, base_dir: Path) -> Any:
    _forget_foreign(module_name, base_dir)
    sys.path.insert(0, str(base_dir))
    try:
        return importlib.import_module(module_name)
    except ImportError as err:
        raise ModelError(
            f"cannot import module {module_name!r} from {base_dir}: {err}",
            hint="model.target is module:attr, importable from the audit's folder",
        ) from err
    except Exception as err:
        raise ModelError(
            f"importing {module_name!r} raised {type(err).__name__}: {err}"
        ) from err
    finally:
        sys.path.remove(str(base_dir))


def _resolve(module: Any, attribute_path: str, target: str) -> Any:
    obj = module
    for part in attribute_path.split("."):
        if not hasattr(obj, part):
            names = [name for name in dir(obj) if not name.startswith("_")]
            near = closest(part, names)
            raise ModelError(
                f"model.target {target!r}: {part!r} not found",
                hint=f"did you mean {near[0]!r}?"
                if near
                else f"available: {names[:12]}",
            )
        obj = getattr(obj, part)
    return obj


def _needs_no_arguments(function: Any) -> bool:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in signature.parameters.values()
    )


def load_python_model(spec: PythonModel, base_dir: Path) -> Model:
    """Import ``module:attr`` and turn it into a :class:`Model`.

    The attribute may be a fitted estimator, a zero-argument factory returning
    one, or a function from a DataFrame to predictions (or scores, with
    ``threshold``).
    """
    module_name, attribute_path = spec.target.split(":", 1)
    module = _import(module_name, base_dir)
    obj = _resolve(module, attribute_path, spec.target)

    is_factory = not hasattr(obj, "predict") and not inspect.isclass(obj)
    if is_factory and callable(obj) and _needs_no_arguments(obj):
        try:
            obj = obj()
        except Exception as err:
            raise ModelError(
                f"model factory {spec.target!r} raised {type(err).__name__}: {err}"
            ) from err
    if inspect.isclass(obj) or not (hasattr(obj, "predict") or callable(obj)):
        raise ModelError(
            f"model.target {spec.target!r} is a {type(obj).__name__}, not a model",
            hint="point it at a fitted estimator, a zero-argument factory "
            "returning one, "
            "or a function from a DataFrame to predictions",
        )

    source = getattr(module, "__file__", None)
    description = {
        "type": "python",
        "target": spec.target,
        "path": None,
        "sha256": sha256_of(Path(source)) if source else None,
    }
    return Model(obj, spec.favorable, spec.threshold, spec.features, description)
