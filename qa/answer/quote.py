"""Quote selection: the sentence (or two) of a passage that best answers. Pure functions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.linear import DEFAULT_PATH, LinearModel
from qa.text.answer_type import has
from qa.text.match import bigram_coverage, coverage

MAX_PAIR_CHARS = 160
FEATURES = (
    "cover",  # idf-weighted share of question terms in the sentence
    "cover_rel",  # that minus the best sentence of the passage
    "bigram",  # share of the question's character bigrams in the sentence
    "bigram_rel",
    "sim",  # question–sentence cosine
    "sim_rel",
    "kind",  # the sentence holds the kind of answer asked for (a time for 什么时候…)
    "log_len",
)


class QuoteModel(LinearModel):
    """A logistic model of "this sentence holds the answer" over FEATURES."""

    @classmethod
    def load_default(cls, path: Path = DEFAULT_PATH) -> QuoteModel | None:
        """The quote model of a calibration file (None when absent or fitted on other features)."""
        return cls.load("quote", FEATURES, path)


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


def sentence_features(
    terms: Sequence[tuple[str, float]],
    question_bigrams: frozenset[str],
    kind: str | None,
    sentences: Sequence[str],
    similarities: Sequence[float],
    kinds: Sequence[int],
) -> np.ndarray:
    """One row of FEATURES per sentence of a passage.

    Args:
        terms: (question term, weight) pairs.
        question_bigrams: the question's character bigrams (`qa.text.match.char_bigrams`).
        kind: the kind of answer asked for (`qa.text.answer_type.question_kind`), or None.
        sentences: the passage's sentences.
        similarities: cosine of the question with each sentence.
        kinds: each sentence's answer-kind mask (`qa.text.answer_type.kinds_of`).
    """
    if not sentences:
        return np.zeros((0, len(FEATURES)))
    cover = [coverage(terms, s) for s in sentences]
    grams = [bigram_coverage(question_bigrams, s) for s in sentences]
    sims = [float(x) for x in similarities]
    best_c, best_g, best_s = max(cover), max(grams), max(sims, default=0.0)
    return np.array(
        [
            [c, c - best_c, g, g - best_g, m, m - best_s, float(has(int(k), kind)), math.log1p(len(s))]
            for c, g, m, s, k in zip(cover, grams, sims, sentences, kinds)
        ],
        dtype=np.float64,
    ).reshape(len(sentences), len(FEATURES))


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
