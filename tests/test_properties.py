"""Property-based tests: arbitrary Unicode through cleaning, chunking and the query path never breaks offsets."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.answer.engine import Answerer
from qa.errors import InputError
from qa.ingest.chunk import chunk
from qa.ingest.clean import parse_article
from qa.ingest.corpus import build_document
from qa.ingest.decode import NotTextError, decode
from qa.text.sentences import sentence_spans

# Chinese-looking text with the punctuation, spaces and oddities that real files carry.
PIECES = st.sampled_from(
    ["检察院", "庆云县", "党建", "今年3月", "。", "，", "！", "？", "；", "“", "”", "\n", "\n\n", "\u3000", " ", "\u200b",
     "\r\n", "来源：新华网", "责任编辑：李明", "<b>", "&amp;", "（图）", "2022-07-08", "ＡＢＣ", "abc", "……"]
)  # fmt: skip
TEXT = st.one_of(st.text(max_size=400), st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=80).map("".join))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_cleaning_and_chunking_keep_offsets_inside_and_exact(raw: str) -> None:
    article = parse_article(raw)
    doc = build_document(article, rel="x.txt", sha256="0")
    for p in doc.paragraphs:
        assert 0 <= p.start <= p.end <= len(doc.text)
    for passage in chunk(doc, max_chars=60, min_chars=4):
        assert 0 <= passage.start <= passage.end <= len(doc.text)
        assert doc.text[passage.start : passage.end] == passage.text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_sentence_spans_tile_inside_the_text(text: str) -> None:
    spans = sentence_spans(text)
    last = 0
    for a, b in spans:
        assert last <= a < b <= len(text)
        last = b


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_decode_returns_text_or_a_named_error(data: bytes) -> None:
    try:
        text, encoding = decode(data)
    except NotTextError:
        return
    assert isinstance(text, str) and encoding


@pytest.fixture(scope="module")
def answerer(seed_index, fake_encoder) -> Answerer:
    return Answerer(seed_index, fake_encoder)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=200), TEXT))
def test_any_question_gets_an_answer_or_a_clear_error(answerer: Answerer, question: str) -> None:
    try:
        answer = answerer.ask(question, history=[question[:20]], keep_refused=True)
    except InputError as exc:
        assert exc.zh and exc.en
        return
    for c in answer.passages:
        assert 0 <= c.quote_start <= c.quote_end <= len(c.text)
        assert c.text[c.quote_start : c.quote_end] == c.quote
    answer.to_dict()
