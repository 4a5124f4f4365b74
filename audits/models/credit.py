"""A credit model trained on the records in data/credit-history.csv.

The historical decisions held older applicants back at equal credit score,
income and debt; a gradient-boosted model learns that from the records.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

HISTORY = Path(__file__).resolve().parent.parent / "data" / "credit-history.csv"
FEATURES = ["age", "income", "credit_score", "debt"]


def train_credit_model() -> HistGradientBoostingClassifier:
    """Fit the credit model on the historical records (deterministic)."""
    history = pd.read_csv(HISTORY)
    model = HistGradientBoostingClassifier(
        max_iter=150, learning_rate=0.1, random_state=0
    )
    model.fit(history[FEATURES], history["approved"])
    return model
