"""Lexical evidence: how much of a question a piece of text contains. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from qa.text.normalize import fold, is_cjk


def coverage(terms: Sequence[tuple[str, float]], text: str) -> float:
    """Weighted share of question terms that occur in `text` (0..1).

    Substring matching on folded text, so a term that jieba cut differently
    inside the passage still counts.
    """
    total = sum(w for _, w in terms)
    if total <= 0:
        return 0.0
    folded = fold(text)
    return sum(w for t, w in terms if t in folded) / total


def terms_not_in(terms: Sequence[tuple[str, float]], text: str) -> list[tuple[str, float]]:
    """The question terms that `text` (a title, a heading) does not already give."""
    given = fold(text)
    return [(t, w) for t, w in terms if t not in given]


@lru_cache(maxsize=1 << 14)
def char_bigrams(text: str) -> frozenset[str]:
    """Bigrams of consecutive CJK characters / alphanumerics in folded text."""
    folded = fold(text)
    if folded and max(folded) >= "\U00020000":  # CJK extension planes hold unassigned (not alnum) code points
        kept = "".join(c for c in folded if is_cjk(c) or c.isalnum())
    else:  # every other CJK ideograph is alphanumeric: filter in C
        kept = "".join(filter(str.isalnum, folded))
    return frozenset([kept[i : i + 2] for i in range(len(kept) - 1)])


def bigram_coverage(question_bigrams: frozenset[str] | set[str], text: str) -> float:
    """Share of the question's character bigrams found in `text`."""
    if not question_bigrams:
        return 0.0
    folded = fold(text)
    return sum(1 for g in question_bigrams if g in folded) / len(question_bigrams)


def contains(needles: Sequence[str], texts: Sequence[str]) -> np.ndarray:
    """A (len(texts), len(needles)) boolean matrix: needle j occurs in text i (both already folded)."""
    return np.array([[n in t for n in needles] for t in texts], dtype=bool).reshape(len(texts), len(needles))
