"""Candidate features and the linear ranker fitted on them."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from qa.linear import LinearModel

FEATURES = (
    "bm25_rel",  # BM25 / best BM25 of the query
    "bm25_rr",  # 1 / (1 + rank) in the BM25 list (0 when absent)
    "dense",  # question–passage cosine
    "dense_rel",  # cosine minus the best cosine of the query
    "dense_rr",  # 1 / (1 + rank) in the dense list
    "sent",  # best question–sentence cosine in the passage
    "sent_rel",  # that minus the best of all candidates
    "cover",  # idf-weighted share of question terms in the passage (with heading)
    "title_cover",  # the same share in the document's title
    "rest_cover",  # the share, in the passage, of the terms the title and heading do not give
    "bigram",  # share of question character bigrams in the passage
    "sent_cover",  # best idf-weighted term share within one sentence
    "log_len",  # log of the passage length
    "kind",  # a sentence holds the kind of answer asked for (a date for 哪天, a number for 多少); 0 if none asked
    "issuing",  # the question asks who issued the document or when (哪天开始实施) and the passage says: 0 if not
)


class Ranker(LinearModel):
    """A logistic model of "this candidate passage holds the answer" over FEATURES."""

    SECTION = "ranker"
    FEATURE_NAMES = FEATURES


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
