"""Score fusion: pure functions, lists in, list out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def rrf(
    rankings: Sequence[Sequence[int]], k: float = 60.0, weights: Sequence[float] | None = None
) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion.

    Args:
        rankings: each a list of ids, best first.
        k: the RRF constant (larger flattens the head).
        weights: one weight per ranking (default 1 each).

    Returns:
        (id, fused score) pairs, best first; ties keep first-seen order.
    """
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank + 1)
    return sorted(fused.items(), key=lambda kv: -kv[1])


def max_normalise(scores: Mapping[int, float]) -> dict[int, float]:
    """Scale scores so the best is 1 (all zero stays zero)."""
    top = max(scores.values(), default=0.0)
    return {i: (s / top if top > 0 else 0.0) for i, s in scores.items()}


def weighted_sum(legs: Sequence[Mapping[int, float]], weights: Sequence[float]) -> list[tuple[int, float]]:
    """Weighted sum of per-leg scores (missing = 0), best first."""
    fused: dict[int, float] = {}
    for leg, weight in zip(legs, weights):
        for item, score in leg.items():
            fused[item] = fused.get(item, 0.0) + weight * score
    return sorted(fused.items(), key=lambda kv: -kv[1])
