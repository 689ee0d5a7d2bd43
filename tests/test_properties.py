"""Property-based tests: arbitrary Unicode through cleaning, chunking and the query path never breaks offsets."""

from __future__ import annotations

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


WIDE = st.sampled_from(
    ["，", "：", "（", "）", "…", "\xa0", "\u3000", "Ａ", "１", "\u0301", "\u0308", "ﬁ", "①", "臺灣", "於"]
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(TEXT, st.lists(st.one_of(WIDE, PIECES, st.text(max_size=3)), max_size=40).map("".join)))
def test_fold_fast_paths_give_exactly_nfkc_lower_simplified(text: str) -> None:
    import unicodedata

    from qa.text.normalize import _t2s_table, fold, strip_invisible

    reference = unicodedata.normalize("NFKC", strip_invisible(text)).lower().translate(_t2s_table())
    assert fold.__wrapped__(text) == reference


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


# Any sequence of adds, edits and deletes, applied one `qa index` at a time, ends where a full rebuild of
# the final folder does: same passages, same vector per passage, same keyword index, same tokenizer terms.
ARTICLES = [
    "宁津县法院启用智慧法庭\n\n宁津县人民法院启用三个“智慧法庭”，庭审全程录音录像。\n",
    "乐陵市检察院开放日\n\n乐陵市检察院邀请四十二名人大代表走进“检察开放日”。\n",
    "禹城市推行一窗受理\n\n禹城市政务服务中心推行“一窗受理”改革，群众办事只需跑一次。\n\n“智慧法庭”也在禹城推广。\n",
    "臺北市圖書館夜間開放\n\n臺北市立圖書館總館每週五晚間開放至十一點。\n",
    "",  # an empty file: skipped, then perhaps given text later
]
OPS = st.lists(
    st.tuples(st.sampled_from(["a.txt", "b.txt", "sub/c.txt"]), st.one_of(st.none(), st.sampled_from(ARTICLES))),
    min_size=1,
    max_size=6,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPS)
def test_incremental_updates_end_where_a_full_rebuild_does(tmp_path_factory, ops) -> None:
    import numpy as np

    from qa.search import builds
    from qa.search.encoder import HashEncoder
    from qa.search.update import update_index

    encoder = HashEncoder(dim=32)
    root = tmp_path_factory.mktemp("ops")
    corpus, inc, full = root / "corpus", root / "inc", root / "full"
    corpus.mkdir()
    (corpus / "seed.txt").write_text(ARTICLES[0], encoding="utf-8")
    update_index(corpus, inc, lambda: encoder, encoder.name)
    for name, text in ops:  # None deletes the file
        path = corpus / name
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        update_index(corpus, inc, lambda: encoder, encoder.name)
    update_index(corpus, full, lambda: encoder, encoder.name, rebuild=True)
    a, b = builds.load(inc), builds.load(full)
    assert a.tokenizer.terms == b.tokenizer.terms
    assert sorted(a.bm25.vocab) == sorted(b.bm25.vocab)
    by_id = {p.id: i for i, p in enumerate(b.passages)}
    assert sorted(by_id) == sorted(p.id for p in a.passages)
    for i, p in enumerate(a.passages):
        j = by_id[p.id]
        assert p == b.passages[j]
        sa, sb = a.sentences.of(i), b.sentences.of(j)
        assert a.sentences.starts[sa.start : sa.stop].tolist() == b.sentences.starts[sb.start : sb.stop].tolist()
        assert a.sentences.kinds[sa.start : sa.stop].tolist() == b.sentences.kinds[sb.start : sb.stop].tolist()
        assert np.allclose(a.store.vectors(a.ids[i : i + 1]), b.store.vectors(b.ids[j : j + 1]))
        assert np.allclose(
            a.bm25.matrix[i].toarray().ravel()[[a.bm25.vocab[t] for t in sorted(a.bm25.vocab)]],
            b.bm25.matrix[j].toarray().ravel()[[b.bm25.vocab[t] for t in sorted(b.bm25.vocab)]],
        )
    assert a.store.count() == len(a.passages) and a.bm25.matrix.shape[0] == len(a.passages)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        TEXT,
        st.lists(st.one_of(WIDE, PIECES, st.sampled_from(["𠀀", "\U0002a6e0", "_", "Ⅱ"])), max_size=30).map("".join),
    )
)
def test_char_bigrams_are_the_bigrams_of_cjk_and_alphanumeric_characters(text: str) -> None:
    from qa.text.match import char_bigrams
    from qa.text.normalize import fold, is_cjk

    chars = [c for c in fold(text) if is_cjk(c) or c.isalnum()]
    assert char_bigrams.__wrapped__(text) == frozenset(a + b for a, b in zip(chars, chars[1:]))


TERMS = st.sampled_from(["电子", "送达", "平台", "检察院", "庆云县", "文书", "当天", "的", "天气"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(TERMS, max_size=12), min_size=1, max_size=12), st.lists(TERMS, max_size=8))
def test_bm25_scores_from_postings_are_the_row_sums_of_the_query_columns(docs, query) -> None:
    import numpy as np

    from qa.search.bm25 import BM25

    bm25 = BM25()
    bm25.add(docs)
    cols = sorted({bm25.vocab[t] for t in query if t in bm25.vocab})
    want = np.asarray(bm25.matrix[:, cols].sum(axis=1), dtype=np.float64).ravel() if cols else np.zeros(len(docs))
    assert np.allclose(bm25.scores(query), want, rtol=1e-6, atol=0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["电子", "送达", "平台", "文书"]), st.floats(0.1, 5)), max_size=4),
    st.lists(st.tuples(st.lists(TERMS, max_size=6).map("".join), st.floats(-1, 1)), min_size=1, max_size=6),
)
def test_quote_blend_from_the_feature_rows_is_the_sentence_score(terms, sentences) -> None:
    from qa.answer.quote import blend, sentence_features, sentence_scores
    from qa.text.match import char_bigrams

    texts, sims = [s for s, _ in sentences], [m for _, m in sentences]
    features = sentence_features(terms, char_bigrams("电子送达平台"), texts, sims, "庆云县检察院")
    assert blend(features) == sentence_scores(terms, texts, sims)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["电子", "送达", "平台", "文书", "检察院", "ＡＢＣ"]), st.floats(0, 5)), max_size=5
    ),
    st.sampled_from(["电子送达平台", "庆云县文书", "", "平台平台"]),
    st.lists(
        st.tuples(st.lists(st.one_of(TERMS, WIDE), max_size=6).map("".join), st.floats(-1, 1)), min_size=1, max_size=6
    ),
    st.sampled_from(["庆云县检察院", "电子送达", "", "ＡＢＣ平台"]),
)
def test_quote_features_are_the_coverages_of_each_sentence_with_and_without_the_title(
    terms, question, sentences, title
) -> None:
    import math

    from qa.answer.quote import FEATURES, sentence_features
    from qa.text.match import bigram_coverage, char_bigrams, coverage, terms_not_in

    terms = list(dict((t, w) for t, w in terms).items())  # a question's terms are unique
    texts, sims = [s for s, _ in sentences], [m for _, m in sentences]
    grams = char_bigrams(question)
    rest_terms, rest_grams = terms_not_in(terms, title), grams - char_bigrams(title)
    want = {
        "cover": [coverage(terms, s) for s in texts],
        "bigram": [bigram_coverage(grams, s) for s in texts],
        "rest_cover": [coverage(rest_terms, s) for s in texts],
        "rest_bigram": [bigram_coverage(rest_grams, s) for s in texts],
        "log_len": [math.log1p(len(s)) for s in texts],
    }
    features = sentence_features(terms, grams, texts, sims, title)
    for name, values in want.items():
        assert features[:, FEATURES.index(name)].tolist() == values, name
    for name in ("cover", "bigram", "rest_cover", "rest_bigram"):
        relative = features[:, FEATURES.index(name + "_rel")]
        assert relative.tolist() == [v - max(want[name]) for v in want[name]]


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT)
def test_duplicates_are_judged_on_the_same_bigrams_as_everything_else(a: str, b: str) -> None:
    """`bigram_codes` (what near-duplicate collapse compares) holds the pairs of `char_bigrams`, as integers."""
    from qa.text.match import bigram_codes, char_bigrams

    assert len(bigram_codes(a)) == len(char_bigrams(a))
    assert len(bigram_codes(a) & bigram_codes(b)) == len(char_bigrams(a) & char_bigrams(b))
