"""The "no answer" decision: a small logistic model fitted on labelled questions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from qa.linear import DEFAULT_PATH, LinearModel

FEATURES = ("dense", "coverage", "sentence", "kind_missing")


class Refusal(LinearModel):
    """p(answerable) = sigmoid(w · features + b); refuse below `threshold`."""

    def answerable(self, features: Sequence[float]) -> bool:
        """True when the question should be answered."""
        return self.probability(features) >= self.threshold

    @classmethod
    def load_default(cls, path: Path = DEFAULT_PATH) -> Refusal | None:
        """The refusal model of a calibration file (None when absent or fitted on other features)."""
        return cls.load("refusal", FEATURES, path)
