"""Reciprocal-rank fusion, and choosing the quote inside a passage."""

from __future__ import annotations

import pytest

from qa.answer.quote import MAX_PAIR_CHARS, choose, coverage, sentence_scores
from qa.search.fusion import rrf
from qa.text.sentences import sentence_spans


def ids(fused):
    return [item for item, _ in fused]


# --- rrf -----------------------------------------------------------------------------------------


def test_rrf_single_ranking_keeps_order_and_scores():
    fused = rrf([[7, 3, 9]], k=60)
    assert ids(fused) == [7, 3, 9]
    assert [s for _, s in fused] == pytest.approx([1 / 61, 1 / 62, 1 / 63])


def test_rrf_agreement_beats_one_first_place():
    # 2 is second in both lists; 1 and 3 are each first in one list only.
    assert ids(rrf([[1, 2], [3, 2]])) == [2, 1, 3]


def test_rrf_sums_over_rankings():
    fused = dict(rrf([[1, 2, 3], [2, 3, 1]], k=60))
    assert fused[2] == pytest.approx(1 / 62 + 1 / 61)
    assert ids(rrf([[1, 2, 3], [2, 3, 1]], k=60)) == [2, 1, 3]


def test_rrf_weights_decide_between_disagreeing_rankings():
    assert ids(rrf([[1, 2], [2, 1]], weights=[1.0, 3.0]))[0] == 2
    assert ids(rrf([[1, 2], [2, 1]], weights=[3.0, 1.0]))[0] == 1
    assert dict(rrf([[5]], k=60, weights=[2.0]))[5] == pytest.approx(2 / 61)


def test_rrf_ties_keep_first_seen_order():
    assert ids(rrf([[1], [2]])) == [1, 2]
    assert ids(rrf([[2], [1]])) == [2, 1]


def test_rrf_k_is_used():
    assert dict(rrf([[4]], k=10))[4] == pytest.approx(1 / 11)


def test_rrf_empty():
    assert rrf([]) == []
    assert rrf([[], []]) == []


# --- quote ---------------------------------------------------------------------------------------

TEXT = (
    "庆云县检察院地处两省三市交界点，案件复杂程度高。"
    "今年3月，庆云县检察院自主研发电子送达平台。"
    "该平台实现法律文书自助式送达，受到群众欢迎。"
)
SPANS = sentence_spans(TEXT)
SENTENCES = [TEXT[a:b] for a, b in SPANS]


def test_fixture_has_three_sentences():
    assert len(SPANS) == 3


def test_coverage_is_weighted_share_of_terms():
    terms = [("电子送达", 3.0), ("平台", 1.0), ("不存在", 4.0)]
    assert coverage(terms, SENTENCES[1]) == pytest.approx(4 / 8)
    assert coverage(terms, SENTENCES[0]) == 0.0
    assert coverage([], TEXT) == 0.0


def test_coverage_matches_full_width_and_case():
    assert coverage([("abc123", 1.0)], "系统代号ＡＢＣ１２３已上线") == 1.0


def test_sentence_scores_blend_lexical_and_semantic():
    terms = [("电子送达", 2.0), ("平台", 1.0)]
    lexical = sentence_scores(terms, SENTENCES, [0.0, 0.0, 0.0])
    assert lexical.index(max(lexical)) == 1
    semantic = sentence_scores(terms, SENTENCES, [0.9, 0.1, 0.1], lexical_weight=0.0)
    assert semantic == pytest.approx([0.9, 0.1, 0.1])
    mixed = sentence_scores(terms, SENTENCES, [0.2, 0.2, 0.2], lexical_weight=0.5)
    assert mixed[1] == pytest.approx(0.5 * 1.0 + 0.5 * 0.2)


def test_choose_picks_the_sentence_with_the_rare_terms():
    terms = [("电子送达", 5.0), ("庆云县", 0.5)]
    scores = sentence_scores(terms, SENTENCES, [0.3, 0.3, 0.3])
    start, end = choose(SPANS, scores, TEXT, terms)
    assert TEXT[start:end] == "今年3月，庆云县检察院自主研发电子送达平台。"


def test_choose_adds_neighbour_that_covers_more_of_the_question():
    terms = [("电子送达", 1.0), ("自助式", 1.0)]  # answer spans sentences 2 and 3
    scores = sentence_scores(terms, SENTENCES, [0.0, 0.0, 0.0])
    start, end = choose(SPANS, scores, TEXT, terms, pair_gain=0.25)
    assert (start, end) == (SPANS[1][0], SPANS[2][1])
    assert "电子送达" in TEXT[start:end] and "自助式" in TEXT[start:end]


def test_choose_never_adds_a_neighbour_scored_minus_infinity():
    terms = [("电子送达", 1.0), ("自助式", 1.0)]
    scores = sentence_scores(terms, SENTENCES, [0.0, 0.0, 0.0])
    scores[2] = float("-inf")  # what the answerer gives a sentence about another model
    assert choose(SPANS, scores, TEXT, terms, pair_gain=0.25) == SPANS[1]


def test_choose_keeps_one_sentence_when_gain_is_below_pair_gain():
    terms = [("电子送达", 1.0), ("自助式", 1.0)]
    scores = sentence_scores(terms, SENTENCES, [0.0, 0.0, 0.0])
    # The neighbour adds exactly 0.5 coverage: not enough when 0.6 is required.
    assert choose(SPANS, scores, TEXT, terms, pair_gain=0.6) in {SPANS[1], SPANS[2]}


def test_choose_does_not_add_a_neighbour_that_adds_nothing():
    terms = [("电子送达", 1.0), ("平台", 1.0)]
    scores = sentence_scores(terms, SENTENCES, [0.0, 0.0, 0.0])
    assert choose(SPANS, scores, TEXT, terms) == SPANS[1]


def test_choose_does_not_build_an_overlong_pair():
    filler = "，".join(["相关部门持续推进各项工作"] * 12)  # a long neighbour
    text = "今年3月上线电子送达平台。" + filler + "，实现自助式送达。"
    spans = sentence_spans(text)
    assert spans[1][1] - spans[0][0] > MAX_PAIR_CHARS
    terms = [("电子送达", 1.0), ("自助式", 1.0)]
    scores = sentence_scores(terms, [text[a:b] for a, b in spans], [0.0] * len(spans))
    start, end = choose(spans, scores, text, terms)
    assert end - start <= MAX_PAIR_CHARS


def test_choose_offsets_are_inside_the_text():
    terms = [("检察院", 1.0)]
    for sims in ([0.1, 0.9, 0.2], [0.9, 0.1, 0.1], [0.0, 0.0, 0.95]):
        scores = sentence_scores(terms, SENTENCES, sims)
        start, end = choose(SPANS, scores, TEXT, terms)
        assert 0 <= start < end <= len(TEXT)
        assert (start, end) in {*SPANS, (SPANS[0][0], SPANS[1][1]), (SPANS[1][0], SPANS[2][1])}


def test_choose_without_sentences_quotes_the_whole_text():
    assert choose([], [], "没有句号的片段", [("片段", 1.0)]) == (0, len("没有句号的片段"))
