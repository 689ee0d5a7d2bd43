"""The "no answer" decision: a small logistic model fitted on labelled questions."""

from __future__ import annotations

from collections.abc import Sequence

from qa.linear import LinearModel

FEATURES = ("dense", "coverage", "sentence", "kind_missing")


class Refusal(LinearModel):
    """p(answerable) = sigmoid(w · features + b); refuse below `threshold`."""

    SECTION = "refusal"
    FEATURE_NAMES = FEATURES

    def answerable(self, features: Sequence[float]) -> bool:
        """True when the question should be answered."""
        return self.probability(features) >= self.threshold
