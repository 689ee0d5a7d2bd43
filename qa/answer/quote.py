"""Quote selection: the sentence (or two) of a passage that best answers. Pure functions."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from qa.linear import LinearModel
from qa.text.match import char_bigrams, coverage
from qa.text.normalize import fold

MAX_PAIR_CHARS = 160
# A neighbour whose QuoteModel logit is within this of the best joins the quote (chosen on the
# CMRC fit half: more answers inside the quote for a couple of characters more on average).
QUOTE_MARGIN = 1.5
FEATURES = (
    "cover",  # idf-weighted share of question terms in the sentence
    "cover_rel",  # that minus the best sentence of the passage
    "bigram",  # share of the question's character bigrams in the sentence
    "bigram_rel",
    "sim",  # question–sentence cosine
    "sim_rel",
    "log_len",
    # The same coverages without the terms the document's title already gives: in an article
    # about 盾柱木 every sentence is about 盾柱木, and the answer to 盾柱木的原产地在哪里？
    # is the sentence with 原产, which need not repeat the name.
    "rest_cover",
    "rest_cover_rel",
    "rest_bigram",
    "rest_bigram_rel",
)


class QuoteModel(LinearModel):
    """A logistic model of "this sentence holds the answer" over FEATURES."""

    SECTION = "quote"
    FEATURE_NAMES = FEATURES


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


def blend(features: np.ndarray, lexical_weight: float = 0.5) -> list[float]:
    """`sentence_scores` from the rows `sentence_features` already made (coverage and similarity)."""
    cover, similarity = features[:, FEATURES.index("cover")], features[:, FEATURES.index("sim")]
    return (lexical_weight * cover + (1 - lexical_weight) * similarity).tolist()


def sentence_features(
    terms: Sequence[tuple[str, float]],
    question_bigrams: frozenset[str],
    sentences: Sequence[str],
    similarities: Sequence[float],
    title: str = "",
) -> np.ndarray:
    """One row of FEATURES per sentence of a passage.

    Args:
        terms: (question term, weight) pairs.
        question_bigrams: the question's character bigrams (`qa.text.match.char_bigrams`).
        sentences: the passage's sentences.
        similarities: cosine of the question with each sentence.
        title: the document's title (and heading), whose terms say what every sentence is about.
    """
    if not sentences:
        return np.zeros((0, len(FEATURES)))
    # Each sentence folded once, each term and bigram looked for once: the same values as
    # `coverage` / `bigram_coverage` on each sentence, with and without what the title gives.
    folded = [fold(s) for s in sentences]
    given = fold(title)
    total = sum(w for _, w in terms)
    rest_total = sum(w for t, w in terms if t not in given)
    rest_grams = question_bigrams - char_bigrams(title)
    cover, rest_c = [], []
    for text in folded:
        found = [(w, t in given) for t, w in terms if t in text]
        cover.append(sum(w for w, _ in found) / total if total > 0 else 0.0)
        rest_c.append(sum(w for w, old in found if not old) / rest_total if rest_total > 0 else 0.0)
    grams, rest_g = [], []
    for text in folded:
        found_grams = [g for g in question_bigrams if g in text]
        grams.append(len(found_grams) / len(question_bigrams) if question_bigrams else 0.0)
        rest_g.append(sum(1 for g in found_grams if g in rest_grams) / len(rest_grams) if rest_grams else 0.0)
    sims = [float(x) for x in similarities]
    best_c, best_g, best_s = max(cover), max(grams), max(sims, default=0.0)
    best_rc, best_rg = max(rest_c), max(rest_g)
    return np.array(
        [
            [c, c - best_c, g, g - best_g, m, m - best_s, math.log1p(len(s)), rc, rc - best_rc, rg, rg - best_rg]
            for c, g, m, s, rc, rg in zip(cover, grams, sims, sentences, rest_c, rest_g)
        ],
        dtype=np.float64,
    ).reshape(len(sentences), len(FEATURES))


def choose(
    spans: Sequence[tuple[int, int]],
    scores: Sequence[float],
    text: str,
    terms: Sequence[tuple[str, float]],
    pair_gain: float = 0.25,
    margin: float | None = None,
) -> tuple[int, int]:
    """Pick the quote: the best sentence, extended to a neighbour when that adds evidence.

    A neighbour joins when the two sentences together cover at least
    `pair_gain` more of the question's terms than the best one alone, or when
    its score is within `margin` of the best (scores from `QuoteModel`, whose
    logits make "nearly as likely" meaningful), and the two stay under
    MAX_PAIR_CHARS. A sentence scored -inf is never quoted, alone or as a neighbour.

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
        if 0 <= other < len(spans) and scores[other] > -math.inf:  # -inf: a sentence never to quote
            a, b = min(start, spans[other][0]), max(end, spans[other][1])
            if b - a <= MAX_PAIR_CHARS:
                close = margin is not None and scores[best] - scores[other] <= margin
                options.append((coverage(terms, text[a:b]) - alone >= pair_gain or close, scores[other], a, b))
    joined = [o for o in options if o[0]]
    if joined:
        _, _, a, b = max(joined)
        return a, b
    return start, end
