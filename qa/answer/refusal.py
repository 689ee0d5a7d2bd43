"""The "no answer" decision: a small logistic model fitted on labelled questions."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the "refusal" section of the calibration file)."""
        data = asdict(self)
        data["features"] = list(FEATURES)
        return data

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> Refusal | None:
        """The refusal model of a calibration file; None when absent or made for other features."""
        try:
            data = json.loads(path.read_text(encoding="utf-8")).get("refusal")
        except (OSError, ValueError, AttributeError):
            return None
        if not isinstance(data, dict) or tuple(data.get("features", ())) != FEATURES:
            return None
        return cls(
            data["model"], tuple(data["weights"]), data["bias"], data.get("threshold", 0.5), data.get("report", {})
        )
