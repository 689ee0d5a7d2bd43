"""Quote selection: the sentence (or two) of a passage that best answers. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence

from qa.text.match import coverage

MAX_PAIR_CHARS = 160


def sentence_scores(
    terms: Sequence[tuple[str, float]],
    sentences: Sequence[str],
    similarities: Sequence[float],
    lexical_weight: float = 0.5,
) -> list[float]:
    """Score each sentence: a blend of term coverage and semantic similarity.

    Args:
        terms: (question term, weight) pairs.
        sentences: the passage's sentences.
        similarities: cosine of the question with each sentence.
        lexical_weight: share of the lexical part (the rest is semantic).
    """
    return [
        lexical_weight * coverage(terms, s) + (1 - lexical_weight) * float(sim)
        for s, sim in zip(sentences, similarities)
    ]


def choose(
    spans: Sequence[tuple[int, int]],
    scores: Sequence[float],
    text: str,
    terms: Sequence[tuple[str, float]],
    pair_gain: float = 0.25,
) -> tuple[int, int]:
    """Pick the quote: the best sentence, extended to a neighbour when that adds evidence.

    A neighbour joins when the two sentences together cover at least
    `pair_gain` more of the question's terms than the best one alone and stay
    under MAX_PAIR_CHARS.

    Returns:
        (start, end) offsets into `text`; the whole text when there are no spans.
    """
    if not spans:
        return 0, len(text)
    best = max(range(len(spans)), key=lambda i: (scores[i], -i))
    start, end = spans[best]
    alone = coverage(terms, text[start:end])
    options = []
    for other in (best - 1, best + 1):
        if 0 <= other < len(spans):
            a, b = min(start, spans[other][0]), max(end, spans[other][1])
            if b - a <= MAX_PAIR_CHARS:
                options.append((coverage(terms, text[a:b]) - alone, a, b))
    if options:
        gain, a, b = max(options)
        if gain >= pair_gain:
            return a, b
    return start, end
