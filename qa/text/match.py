"""Lexical evidence: how much of a question a piece of text contains. Pure functions."""

from __future__ import annotations

import re
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


_NOT_ALNUM = re.compile(r"[\W_]+")  # exactly the characters str.isalnum() rejects
_ASTRAL = re.compile("[\U00020000-\U0010ffff]")


def _alnum(folded: str) -> str:
    """The letters, digits and ideographs of folded text, in order."""
    if _ASTRAL.search(folded):  # CJK extension planes hold unassigned (not alnum) code points
        return "".join(c for c in folded if is_cjk(c) or c.isalnum())
    return _NOT_ALNUM.sub("", folded)


@lru_cache(maxsize=1 << 12)  # questions and titles; passages go through `bigram_codes`
def char_bigrams(text: str) -> frozenset[str]:
    """Bigrams of consecutive CJK characters / alphanumerics in folded text."""
    kept = _alnum(fold(text))
    return frozenset([kept[i : i + 2] for i in range(len(kept) - 1)])


def bigram_codes(text: str) -> frozenset[int]:
    """The bigrams of `char_bigrams`, each as one integer (its two code points). Not cached: a passage's
    set of strings takes about 23 KB, so a cache of them grows by hundreds of MB on a large corpus."""
    kept = _alnum(fold(text))
    if len(kept) < 2:
        return frozenset()
    codes = np.frombuffer(kept.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return frozenset(((codes[:-1] << np.uint64(32)) | codes[1:]).tolist())


def bigram_coverage(question_bigrams: frozenset[str] | set[str], text: str) -> float:
    """Share of the question's character bigrams found in `text`."""
    if not question_bigrams:
        return 0.0
    folded = fold(text)
    return sum(1 for g in question_bigrams if g in folded) / len(question_bigrams)


def contains(needles: Sequence[str], texts: Sequence[str]) -> np.ndarray:
    """A (len(texts), len(needles)) boolean matrix: needle j occurs in text i (both already folded)."""
    return np.array([[n in t for n in needles] for t in texts], dtype=bool).reshape(len(texts), len(needles))
