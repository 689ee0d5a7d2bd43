"""One small logistic model shape shared by the ranker, the quote picker and the "no answer" decision."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "calibration.json"
T = TypeVar("T", bound="LinearModel")


@dataclass(frozen=True)
class LinearModel:
    """score = w · features + b; probability = sigmoid(score).

    `model` names the encoder the weights were fitted for (dense features
    mean nothing for another model); `features` names the columns.
    """

    SECTION: ClassVar[str] = ""  # the subclass's section of the calibration file
    FEATURE_NAMES: ClassVar[tuple[str, ...]] = ()  # the columns the subclass is fitted on

    model: str
    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5

    def score(self, x: np.ndarray) -> np.ndarray:
        """Raw scores of rows (n, len(features))."""
        return np.asarray(x, dtype=np.float64) @ np.asarray(self.weights, dtype=np.float64) + self.bias

    def probability(self, row: Sequence[float]) -> float:
        """sigmoid(score) of one row."""
        z = self.bias + sum(w * x for w, x in zip(self.weights, row))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (one section of the calibration file)."""
        return {
            "model": self.model,
            "features": list(self.features),
            "weights": list(self.weights),
            "bias": self.bias,
            "threshold": self.threshold,
        }

    @classmethod
    def fit(cls: type[T], model: str, features: Sequence[str], x: np.ndarray, y: np.ndarray, l2: float = 1e-2) -> T:
        """A model fitted by `fit_logistic` on rows `x` and 0/1 labels `y`."""
        weights, bias = fit_logistic(x, y, l2=l2)
        return cls(model, tuple(features), tuple(float(w) for w in weights), bias)

    @classmethod
    def load_default(cls: type[T], path: Path = DEFAULT_PATH) -> T | None:
        """This kind of model from a calibration file (None when absent or fitted on other features)."""
        return cls.load(cls.SECTION, cls.FEATURE_NAMES, path)

    @classmethod
    def load(cls: type[T], section: str, features: Sequence[str], path: Path = DEFAULT_PATH) -> T | None:
        """The model stored under `section` of a calibration file; None when absent or fitted on other features."""
        try:
            data = json.loads(path.read_text(encoding="utf-8")).get(section)
        except (OSError, ValueError, AttributeError):
            return None
        if not isinstance(data, dict) or tuple(data.get("features", ())) != tuple(features):
            return None
        return cls(
            str(data["model"]),
            tuple(features),
            tuple(float(w) for w in data["weights"]),
            float(data["bias"]),
            float(data.get("threshold", 0.5)),
        )


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 50) -> tuple[np.ndarray, float]:
    """Fit a logistic regression by Newton's method, classes weighted equally.

    Args:
        x: features (n, d).
        y: labels (n,), 1 = positive.
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


def fit_listwise(groups: Sequence[tuple[np.ndarray, np.ndarray]], l2: float = 1e-3) -> np.ndarray:
    """Weights that put a positive first in each group: softmax cross-entropy over the group.

    Each group is one question's candidates (features (n, d), labels (n,)); the
    loss is -log of the softmax mass on the positives. This fits ranking, which
    a classifier of single rows (`fit_logistic`) only approximates.

    Returns:
        The weights (d,); a bias would not change any order.
    """
    from scipy.optimize import minimize

    usable = [(x, y > 0) for x, y in groups if len(x) and (y > 0).any()]
    if not usable:
        raise ValueError("no group has a positive row")
    d = usable[0][0].shape[1]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = l2 * float(w @ w), 2 * l2 * w
        for x, pos in usable:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            mass = p[pos].sum()
            total -= math.log(max(mass, 1e-300))
            q = np.where(pos, p / max(mass, 1e-300), 0.0)  # the positives' share, renormalised
            grad += x.T @ (p - q)
        return total / len(usable), grad / len(usable)

    result = minimize(loss, np.zeros(d), jac=True, method="L-BFGS-B")
    return np.asarray(result.x, dtype=np.float64)
