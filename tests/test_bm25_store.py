"""BM25 keyword scoring and the FAISS vector store."""

from __future__ import annotations

import numpy as np
import pytest

from qa.search.bm25 import BM25
from qa.search.faiss_store import FaissStore

DOCS = [
    ["庆云县", "检察院", "自主", "研发", "电子", "送达", "平台"],
    ["东营市", "检察院", "党建", "四心", "工作法", "党建"],
    ["卫东区", "法院", "党建", "引领", "干警"],
    ["济阳区", "检察院", "党建", "业务", "融合"],
    ["潮安区", "检察院", "党总支", "先进", "基层", "党组织"],
]


@pytest.fixture
def bm25():
    return BM25().build(DOCS)


def test_document_with_the_query_terms_ranks_first(bm25):
    rows, scores = bm25.search(["电子", "送达", "平台"], k=3)
    assert rows[0] == 0
    assert len(rows) == 1  # no other document shares a term
    assert scores[0] > 0


def test_rare_term_outweighs_common_term(bm25):
    assert bm25.idf_of("电子") > bm25.idf_of("检察院") > 0
    rows, _ = bm25.search(["检察院", "党总支"], k=5)
    assert rows[0] == 4


def test_unknown_terms_score_zero(bm25):
    assert not bm25.scores(["不存在的词", "天气"]).any()
    rows, scores = bm25.search(["不存在的词"], k=5)
    assert len(rows) == 0 and len(scores) == 0
    assert bm25.idf_of("不存在的词") == 0.0


def test_scores_have_one_value_per_passage(bm25):
    assert bm25.scores(["党建"]).shape == (len(DOCS),)
    assert (bm25.scores(["党建"]) > 0).sum() == 3


def test_repeated_query_terms_count_once(bm25):
    np.testing.assert_array_equal(bm25.scores(["党建", "党建", "党建"]), bm25.scores(["党建"]))


def test_search_is_best_first_and_limited_to_k(bm25):
    rows, scores = bm25.search(["检察院", "党建"], k=2)
    assert len(rows) == 2
    assert scores[0] >= scores[1]
    full = bm25.scores(["检察院", "党建"])
    assert scores[0] == pytest.approx(full.max())


def test_a_word_the_corpus_never_uses_stands_for_the_word_it_shortens():
    bm25 = BM25().build([["租金", "押金"], ["电动自行车", "充电"], ["电瓶", "充电"]])
    assert bm25.abbreviated("电动车") == "电动自行车"
    assert bm25.abbreviated("租期") is None  # nothing it could shorten yet
    assert bm25.abbreviated("电车") is None  # 电动自行车 is three characters longer: another word
    bm25.add([["租赁期", "自", "三月"], ["租赁期", "满"]])
    assert bm25.abbreviated("租期") == "租赁期"  # the vocabulary grew: its index is made again
    assert bm25.abbreviated("期") is None and bm25.abbreviated("gpu") is None  # one character, not Chinese


def test_save_load_round_trip(bm25, tmp_path):
    names = bm25.save(tmp_path)
    assert all((tmp_path / n).is_file() for n in names)
    loaded = BM25.load(tmp_path)
    for query in (["电子", "送达"], ["党建"], ["检察院", "党总支", "干警"], ["不存在的词"]):
        np.testing.assert_array_equal(loaded.scores(query), bm25.scores(query))
    assert loaded.vocab == bm25.vocab
    assert (loaded.k1, loaded.b) == (bm25.k1, bm25.b)


# --- FaissStore ----------------------------------------------------------------------------------

DIM = 8


def vectors(n: int, seed: int = 7) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def store():
    s = FaissStore(DIM)
    s.add(np.array([10, 11, 12, 13, 14]), vectors(5))
    return s


def test_store_add_and_count(store):
    assert store.count() == 5


def test_store_finds_the_vector_itself_first(store):
    v = vectors(5)
    for i, vid in enumerate([10, 11, 12, 13, 14]):
        found, scores = store.search(v[i], 3)
        assert found[0] == vid
        assert scores[0] == pytest.approx(1.0, abs=1e-5)
        assert list(scores) == sorted(scores, reverse=True)


def test_store_search_k_larger_than_count(store):
    found, _ = store.search(vectors(5)[0], 50)
    assert sorted(found.tolist()) == [10, 11, 12, 13, 14]


def test_store_remove(store):
    assert store.remove(np.array([12, 999])) == 1
    assert store.count() == 4
    found, _ = store.search(vectors(5)[2], 50)
    assert 12 not in found.tolist()
    assert len(found) == 4


def test_store_save_load_round_trip(store, tmp_path):
    store.remove(np.array([12]))
    assert store.save(tmp_path) == ["vectors.faiss"]
    loaded = FaissStore.load(tmp_path)
    assert loaded.dim == DIM and loaded.count() == 4
    for q in vectors(5):
        a_ids, a_scores = store.search(q, 10)
        b_ids, b_scores = loaded.search(q, 10)
        assert a_ids.tolist() == b_ids.tolist()
        np.testing.assert_allclose(a_scores, b_scores)
        assert 12 not in b_ids.tolist()


def test_empty_store_search():
    found, scores = FaissStore(DIM).search(vectors(1)[0], 5)
    assert len(found) == 0 and len(scores) == 0
