"""A screening model for the intersectional example audit.

Trained on a synthetic hiring history in which candidates of one race were
marked down at equal experience and education; a pipeline one-hot encodes
the categorical columns, so the audit passes labels straight to the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

RACES = ["white", "black", "asian", "hispanic"]
EDUCATION = ["high-school", "bachelor", "master", "phd"]


def screening_history(size: int = 4_000, seed: int = 11) -> pd.DataFrame:
    """Past screening outcomes, with a penalty on one race at equal merit."""
    rng = np.random.default_rng(seed)
    history = pd.DataFrame(
        {
            "Gender_Code": rng.integers(0, 2, size),
            "race": rng.choice(RACES, size),
            "education": rng.choice(EDUCATION, size, p=[0.3, 0.4, 0.2, 0.1]),
            "years_experience": rng.integers(0, 31, size),
        }
    )
    merit = 0.15 * history["years_experience"] + history["education"].map(
        dict(zip(EDUCATION, [0.0, 0.8, 1.4, 1.8], strict=True))
    )
    penalty = np.where(history["race"] == "black", 1.2, 0.0)
    logit = merit - penalty - 2.2 + rng.normal(0, 0.6, size)
    history["advanced"] = (logit > 0).astype(int)
    return history


def train_screening_model() -> Pipeline:
    """Fit the screening pipeline on the biased history (deterministic)."""
    history = screening_history()
    features = ["Gender_Code", "race", "education", "years_experience"]
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["race", "education"]),
        (StandardScaler(), ["Gender_Code", "years_experience"]),
    )
    model = make_pipeline(encode, LogisticRegression(max_iter=1_000))
    model.fit(history[features], history["advanced"])
    return model
