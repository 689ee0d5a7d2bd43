"""The "no answer" decision: a small logistic model fitted on labelled questions."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FEATURES = ("dense", "coverage", "sentence")
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "calibration.json"


@dataclass(frozen=True)
class Refusal:
    """p(answerable) = sigmoid(w · features + b); refuse below `threshold`."""

    model: str
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5
    report: dict[str, Any] = field(default_factory=dict)

    def probability(self, features: Sequence[float]) -> float:
        """Probability that the corpus answers the question."""
        z = self.bias + sum(w * x for w, x in zip(self.weights, features))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def answerable(self, features: Sequence[float]) -> bool:
        """True when the question should be answered."""
        return self.probability(features) >= self.threshold

    def save(self, path: Path) -> None:
        """Write as JSON."""
        data = asdict(self)
        data["features"] = list(FEATURES)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> Refusal | None:
        """Read a calibration file; None when absent or made for other features."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if tuple(data.get("features", ())) != FEATURES:
            return None
        return cls(data["model"], tuple(data["weights"]), data["bias"], data.get("threshold", 0.5), data.get("report", {}))


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 50) -> tuple[np.ndarray, float]:
    """Fit a logistic regression by Newton's method, classes weighted equally.

    Args:
        x: features (n, d).
        y: labels (n,), 1 = answerable.
        l2: ridge penalty (not applied to the bias).
        steps: Newton iterations.

    Returns:
        (weights, bias).
    """
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    pos = max(1, int(y.sum()))
    neg = max(1, n - pos)
    sample = np.where(y > 0, n / (2 * pos), n / (2 * neg))
    beta = np.zeros(d + 1)
    ridge = np.eye(d + 1) * l2
    ridge[-1, -1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -50, 50)))
        grad = design.T @ (sample * (p - y)) + ridge @ beta
        hess = (design * (sample * p * (1 - p))[:, None]).T @ design + ridge
        beta -= np.linalg.solve(hess + 1e-9 * np.eye(d + 1), grad)
    return beta[:-1], float(beta[-1])
