"""Near-duplicate collapse: one card per piece of text, the other sources listed. Pure function."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qa.answer.results import Citation
from qa.text.match import char_bigrams

SIMILAR = 0.8  # bigram Jaccard above which two passages say the same thing


def collapse(citations: Sequence[Citation], threshold: float = SIMILAR) -> list[Citation]:
    """Drop citations that repeat a better-ranked one, renumbering ranks.

    Two citations are duplicates when they are overlapping parts of the same
    paragraph, or when their texts share at least `threshold` of their
    character bigrams (the same sentence syndicated in two articles). The
    better-ranked one stays and lists the other's id in `also_in`.
    """
    kept: list[Citation] = []
    grams: list[frozenset[str]] = []
    for citation in citations:
        mine = char_bigrams(citation.text)
        twin = next((i for i, k in enumerate(kept) if _same(k, citation, grams[i], mine, threshold)), None)
        if twin is None:
            kept.append(citation)
            grams.append(mine)
        else:
            kept[twin] = replace(kept[twin], also_in=(*kept[twin].also_in, citation.id))
    return [replace(c, rank=i) for i, c in enumerate(kept, 1)]


def _same(a: Citation, b: Citation, ga: frozenset[str], gb: frozenset[str], threshold: float) -> bool:
    if a.source.doc_id == b.source.doc_id and a.source.paragraph == b.source.paragraph:
        return True
    union = len(ga | gb)
    return bool(union) and len(ga & gb) / union >= threshold
