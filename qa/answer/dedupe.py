"""Near-duplicate collapse: one card per piece of text, the other sources listed. Pure function."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qa.answer.results import Citation
from qa.text.match import bigram_codes

SIMILAR = 0.8  # bigram Jaccard above which two passages say the same thing
PART_REPEAT = 0.5  # share of a part's bigrams already shown by a better part of the same paragraph


def collapse(citations: Sequence[Citation], threshold: float = SIMILAR) -> list[Citation]:
    """Drop citations that repeat a better-ranked one, renumbering ranks.

    Two citations are duplicates when they are parts of the same paragraph and
    the worse one is mostly the overlap, or when their texts share at least `threshold` of their
    character bigrams (the same sentence syndicated in two articles). The
    better-ranked one stays and lists the other's id in `also_in`.
    """
    kept: list[Citation] = []
    grams: list[frozenset[int]] = []
    for citation in citations:
        mine = bigram_codes(citation.text)
        twin = next((i for i, k in enumerate(kept) if _same(k, citation, grams[i], mine, threshold)), None)
        if twin is None:
            kept.append(citation)
            grams.append(mine)
        else:
            kept[twin] = replace(kept[twin], also_in=(*kept[twin].also_in, citation.id))
    return [c if c.rank == i else replace(c, rank=i) for i, c in enumerate(kept, 1)]


def _same(a: Citation, b: Citation, ga: frozenset[int], gb: frozenset[int], threshold: float) -> bool:
    if a.source.doc_id == b.source.doc_id and a.source.paragraph == b.source.paragraph:
        # Parts of one paragraph share a sentence of overlap; the later part is a repeat only
        # when most of it is already shown, else it carries text (and answers) the first lacks.
        return bool(gb) and len(ga & gb) / len(gb) >= PART_REPEAT
    small, large = (len(ga), len(gb)) if len(ga) <= len(gb) else (len(gb), len(ga))
    if not large or small < threshold * large:  # Jaccard ≤ small / large: cannot reach the threshold
        return False
    shared = len(ga & gb)
    return shared / (small + large - shared) >= threshold
