"""The motivating case: a loan model that learned a biased history.

In the history it is trained on, men were always approved and women only
above 80,000 income. Gender and income are its only features, so clones with
equal income that differ only in gender expose the bias directly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

HISTORY_SIZE = 5_000
INCOME_BAR_FOR_WOMEN = 80_000


def biased_history(size: int = HISTORY_SIZE, seed: int = 7) -> pd.DataFrame:
    """Past decisions: men always approved, women only above 80k."""
    rng = np.random.default_rng(seed)
    gender_code = rng.integers(0, 2, size)  # 1 male, 0 female
    income = rng.integers(20_000, 150_001, size)
    approved = (gender_code == 1) | (income > INCOME_BAR_FOR_WOMEN)
    return pd.DataFrame(
        {"Gender_Code": gender_code, "income": income, "approved": approved.astype(int)}
    )


def train_biased_tree() -> DecisionTreeClassifier:
    """Fit a decision tree on the biased history (deterministic)."""
    history = biased_history()
    model = DecisionTreeClassifier(max_depth=3, random_state=0)
    model.fit(history[["Gender_Code", "income"]], history["approved"])
    return model
