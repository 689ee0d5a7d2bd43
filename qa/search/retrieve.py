"""Hybrid retrieval: dense and BM25 candidates, fused, with the evidence kept per hit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.search.fusion import rrf
from qa.search.index import Index

DEPTH = 50  # candidates taken from each leg


@dataclass(frozen=True)
class Hit:
    """A retrieved passage row with the score of each leg."""

    row: int
    score: float  # fused
    dense: float  # cosine of question and passage
    keyword: float  # BM25 score (0 when the passage was not a keyword candidate)


def search(index: Index, tokens: list[str], qvec: np.ndarray, k: int, depth: int = DEPTH) -> list[Hit]:
    """Top-k passages for a question.

    Args:
        index: the loaded index.
        tokens: the question's tokens (from `index.tokenizer`).
        qvec: the question's normalised vector.
        k: how many hits to return.
        depth: candidates per leg before fusion.

    Returns:
        Hits, best first.
    """
    dense_ids, dense_scores = index.store.search(qvec, depth)
    kw_ids, kw_scores = index.bm25.search(tokens, depth)
    fused = rrf([dense_ids.tolist(), kw_ids.tolist()])[:k]
    dense = dict(zip(dense_ids.tolist(), dense_scores.tolist()))
    keyword = dict(zip(kw_ids.tolist(), kw_scores.tolist()))
    # A passage outside the dense candidates scores at most the last candidate.
    floor = float(dense_scores[-1]) if len(dense_scores) else 0.0
    return [Hit(row, score, dense.get(row, floor), keyword.get(row, 0.0)) for row, score in fused]
