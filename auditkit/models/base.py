"""The model under audit, behind one small interface the engine calls."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError, closest

__all__ = ["Model", "sha256_of"]

logger = logging.getLogger(__name__)

# Classifiers whose predict() is the argmax of predict_proba(): for these one
# call gives both decision and score, which halves the cost of an audit.
_ARGMAX_CLASSIFIERS = frozenset(
    {
        "DecisionTreeClassifier",
        "ExtraTreeClassifier",
        "RandomForestClassifier",
        "ExtraTreesClassifier",
        "GradientBoostingClassifier",
        "HistGradientBoostingClassifier",
        "LogisticRegression",
        "LogisticRegressionCV",
        "KNeighborsClassifier",
        "GaussianNB",
        "BernoulliNB",
        "MultinomialNB",
        "CategoricalNB",
        "ComplementNB",
        "MLPClassifier",
    }
)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _argmax_is(proba: np.ndarray, index: int) -> np.ndarray:
    """``proba.argmax(axis=1) == index``, ties to the first class included.

    With two classes one comparison does it, several times faster.
    """
    if proba.shape[1] != 2:
        return proba.argmax(axis=1) == index
    if index == 1:
        return proba[:, 1] > proba[:, 0]
    return proba[:, 0] >= proba[:, 1]


def _final_step(estimator: Any) -> Any:
    steps = getattr(estimator, "steps", None)
    return steps[-1][1] if steps else estimator


@dataclass
class Model:
    """A loaded model: an estimator or a plain function, and how to decide.

    Attributes:
        predictor: A fitted estimator (``predict``, maybe ``predict_proba``) or a
            function from a DataFrame to predictions or scores.
        favorable: The label that counts as selected.
        threshold: When set, decide by ``score >= threshold``.
        features: Columns declared in the audit, overriding the model's own.
        description: Provenance for the results: type, path or target, sha256.
    """

    predictor: Any
    favorable: Any
    threshold: float | None = None
    features: list[str] | None = None
    description: dict = field(default_factory=dict)

    @property
    def is_estimator(self) -> bool:
        return hasattr(self.predictor, "predict")

    @property
    def has_scores(self) -> bool:
        if self.is_estimator:
            return hasattr(self.predictor, "predict_proba")
        return self.threshold is not None

    @property
    def _favorable_index(self) -> int:
        classes = list(getattr(self.predictor, "classes_", []))
        matches = [i for i, label in enumerate(classes) if label == self.favorable]
        if not matches:
            raise ModelError(
                f"favorable label {self.favorable!r} is not one of the model's classes "
                f"{classes}",
                hint="set model.favorable to the class that means approved/selected",
            )
        return matches[0]

    def check(self) -> None:
        """Fail early, before any profile is generated, on an unusable setup."""
        if self.threshold is not None and not self.has_scores:
            raise ModelError(
                "model.threshold needs scores, but the model has no predict_proba",
                hint="remove threshold to decide with predict()",
            )
        if self.is_estimator and hasattr(self.predictor, "classes_"):
            self._favorable_index  # noqa: B018 - raises when the label is unknown

    def feature_names(self, columns: list[str]) -> list[str]:
        """The model's input columns, in order, checked against what the audit makes."""
        declared = self.features
        if declared is None and hasattr(self.predictor, "feature_names_in_"):
            declared = [str(name) for name in self.predictor.feature_names_in_]
        if declared is None:
            return list(columns)
        missing = [name for name in declared if name not in columns]
        if missing:
            near = {name: closest(name, columns) for name in missing}
            hints = "; ".join(
                f"{name!r}: did you mean {near[name][0]!r}?"
                for name in missing
                if near[name]
            )
            raise ModelError(
                f"the model needs columns {missing} that the audit does not make; "
                f"it makes {columns}",
                hint=hints
                or "add them to population.fields or protected.<name>.column",
            )
        return list(declared)

    def decide(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
        """Score one matrix chunk.

        Returns:
            ``(decisions, scores)``: booleans, favourable or not, and the score
            for the favourable class (None when the model has no scores).
        """
        try:
            if self.is_estimator:
                return self._decide_estimator(frame)
            return self._decide_function(frame)
        except ModelError:
            raise
        except Exception as err:
            raise ModelError(
                f"the model failed while scoring: {type(err).__name__}: {err}"
            ) from err

    def _decide_estimator(
        self, frame: pd.DataFrame
    ) -> tuple[np.ndarray, np.ndarray | None]:
        estimator = self.predictor
        scores = None
        if self.has_scores:
            proba = np.asarray(estimator.predict_proba(frame))
            index = self._favorable_index
            scores = proba[:, index].astype(np.float64, copy=False)
            if self.threshold is not None:
                return scores >= self.threshold, scores
            if type(_final_step(estimator)).__name__ in _ARGMAX_CLASSIFIERS:
                return _argmax_is(proba, index), scores
        predictions = np.asarray(estimator.predict(frame))
        return predictions == self.favorable, scores

    def _decide_function(
        self, frame: pd.DataFrame
    ) -> tuple[np.ndarray, np.ndarray | None]:
        output = np.asarray(self.predictor(frame))
        if output.shape[:1] != (len(frame),):
            raise ModelError(
                f"the model function returned "
                f"{output.shape[0] if output.ndim else 'a scalar'} "
                f"values for {len(frame)} rows; it must return one per row"
            )
        if self.threshold is not None:
            scores = output.astype(np.float64)
            return scores >= self.threshold, scores
        return output == self.favorable, None
