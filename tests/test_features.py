"""Candidate features computed for all candidates at once equal the plain per-text definitions."""

from __future__ import annotations

import math

import pytest

from qa.search.index import about, encoder_input, passage_input
from qa.search.ranker import FEATURES
from qa.search.retrieve import DEPTH, candidates, prepare
from qa.text.match import bigram_coverage, char_bigrams, coverage, terms_not_in

QUESTIONS = [
    "庆云县检察院什么时候自主研发了电子送达平台？",
    "滨州市有多少家企业参加了招聘会？",
    "检察院 电子送达",  # no question words at all
    "ＡＢＣ全角字母与繁體字的問題呢？",  # folded: full width, traditional characters
]


def slow_features(index, query, row):
    """The features of one candidate, straight from their definitions (one text at a time)."""
    passage = index.passages[row]
    text = passage_input(passage)
    table = index.sentences
    sentences = [passage.text[table.starts[i] : table.ends[i]] for i in table.of(row)]
    return {
        "cover": coverage(query.terms, text),
        "title_cover": coverage(query.terms, index.documents[passage.doc_id].title),
        "rest_cover": coverage(terms_not_in(query.terms, about(index, passage)), passage.text),
        "bigram": bigram_coverage(char_bigrams(query.text), text),
        "sent_cover": max((coverage(query.terms, s) for s in sentences), default=0.0),
        "log_len": math.log1p(len(passage.text)),
    }


@pytest.mark.parametrize("question", QUESTIONS)
def test_batched_features_equal_their_definitions(seed_index, fake_encoder, question):
    query = prepare(seed_index, question, fake_encoder.encode([encoder_input(question)])[0])
    hits = candidates(seed_index, query, DEPTH, None)
    assert hits
    for hit in hits:
        got = dict(zip(FEATURES, hit.features))
        for name, want in slow_features(seed_index, query, hit.row).items():
            assert got[name] == pytest.approx(want, abs=1e-9), (name, hit.row)
        assert len(hit.sentence_sims) == len(seed_index.sentences.of(hit.row))  # one cosine per sentence


def test_a_passage_whose_folded_text_changes_length_is_measured_sentence_by_sentence(seed_index, fake_encoder):
    """NFKC turns ㈱ into (株): offsets of the folded passage no longer match its sentences."""
    from dataclasses import replace

    row = 0
    passage = seed_index.passages[row]
    table = seed_index.sentences
    first = table.of(row)[0]
    sentence = passage.text[table.starts[first] : table.ends[first]]
    changed = replace(passage, text="㈱" + passage.text[1:])
    seed_index.passages[row] = changed
    try:
        query = prepare(seed_index, sentence[1:12], fake_encoder.encode([sentence[1:12]])[0])
        hit = next((h for h in candidates(seed_index, query, DEPTH, None) if h.row == row), None)
        assert hit is not None
        got = dict(zip(FEATURES, hit.features))
        assert got["sent_cover"] == pytest.approx(slow_features(seed_index, query, row)["sent_cover"], abs=1e-9)
    finally:
        seed_index.passages[row] = passage
