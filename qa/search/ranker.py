"""Candidate features and the linear ranker fitted on them."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FEATURES = (
    "bm25_rel",  # BM25 / best BM25 of the query
    "bm25_rr",  # 1 / (1 + rank) in the BM25 list (0 when absent)
    "dense",  # question–passage cosine
    "dense_rel",  # cosine minus the best cosine of the query
    "dense_rr",  # 1 / (1 + rank) in the dense list
    "sent",  # best question–sentence cosine in the passage
    "sent_rel",  # that minus the best of all candidates
    "cover",  # idf-weighted share of question terms in the passage (with heading)
    "bigram",  # share of question character bigrams in the passage
    "sent_cover",  # best idf-weighted term share within one sentence
    "log_len",  # log of the passage length
)
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "calibration.json"


@dataclass(frozen=True)
class Ranker:
    """score = w · features + b (a logistic model of "this passage holds the answer")."""

    model: str
    weights: tuple[float, ...]
    bias: float

    def score(self, features: np.ndarray) -> np.ndarray:
        """Scores of candidates (n, len(FEATURES))."""
        return features @ np.asarray(self.weights, dtype=np.float64) + self.bias

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {"model": self.model, "features": list(FEATURES), "weights": list(self.weights), "bias": self.bias}

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH, section: str = "ranker") -> Ranker | None:
        """The ranker stored in a calibration file, or None (absent or other features)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8")).get(section)
        except (OSError, ValueError, AttributeError):
            return None
        if not isinstance(data, dict) or tuple(data.get("features", ())) != FEATURES:
            return None
        return cls(data["model"], tuple(data["weights"]), float(data["bias"]))


def rr(rank: int | None) -> float:
    """Reciprocal rank feature: 1/(1+rank) with rank from 0, 0 when absent."""
    return 0.0 if rank is None else 1.0 / (1.0 + rank)


def log_len(n: int) -> float:
    """Length feature."""
    return math.log1p(max(0, n))


def feature_matrix(rows: Sequence[dict[str, float]]) -> np.ndarray:
    """Stack per-candidate feature dicts in FEATURES order."""
    return np.array([[row[name] for name in FEATURES] for row in rows], dtype=np.float64).reshape(
        len(rows), len(FEATURES)
    )


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 50) -> tuple[np.ndarray, float]:
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
