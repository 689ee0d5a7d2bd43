"""One test suite run against every VectorStore backend (FAISS in memory, Milvus Lite on a local file).

To add a backend, add one line to BACKENDS: a name, a function (place, dim) → store, and whether
opening the same place again sees the same vectors (a database) or starts empty (memory).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from qa.errors import ConfigError, IndexNotFoundError
from qa.search import faiss_store as store_module
from qa.search.faiss_store import FaissStore, make_store
from qa.search.vectors import VectorStore

DIM = 64
N = 300


@dataclass(frozen=True)
class Place:
    """Where a test's store lives: a Milvus Lite file shared by the module, a collection of its own."""

    lite_file: Path
    name: str


def _faiss(place: Place, dim: int) -> VectorStore:
    return FaissStore(dim)


def _faiss_ivf(place: Place, dim: int) -> VectorStore:
    """The type `plan()` picks for large corpora: inverted lists over float16 codes, trained on vectors
    like the test's; every list probed, so that "k larger than the count" can return everything."""
    rng = np.random.default_rng(42)
    sample = rng.standard_normal((20_000, dim)).astype(np.float32)
    sample /= np.linalg.norm(sample, axis=1, keepdims=True)
    return make_store(dim, 0, train=sample, spec={"type": "ivf-fp16", "nlist": 16, "nprobe": 16})


def _faiss_pq(place: Place, dim: int) -> VectorStore:
    """The type `plan()` picks for mid-sized corpora: a product-quantizer shortlist re-ranked on
    float16 codes; the shortlist is 20·k, so "k larger than the count" still returns everything."""
    rng = np.random.default_rng(42)
    sample = rng.standard_normal((2_000, dim)).astype(np.float32)
    sample /= np.linalg.norm(sample, axis=1, keepdims=True)
    return make_store(dim, 0, train=sample, spec={"type": "pq-fp16", "part": 2, "rerank": 20})


def _milvus_lite(place: Place, dim: int) -> VectorStore:
    try:
        import milvus_lite  # noqa: F401
        import pymilvus  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"Milvus backend needs pymilvus and milvus-lite (pip install 'qa-zh[milvus]'): {exc}")
    from qa.search.milvus_store import MilvusStore

    return MilvusStore(str(place.lite_file), place.name, dim)


# name: (open a store at `place` with `dim`, whether reopening the same place keeps its vectors)
BACKENDS: dict[str, tuple[Callable[[Place, int], VectorStore], bool]] = {
    "faiss": (_faiss, False),
    "faiss-ivf-fp16": (_faiss_ivf, False),
    "faiss-pq-fp16": (_faiss_pq, False),
    "milvus-lite": (_milvus_lite, True),
}
# Backends whose scores are approximate, with their largest score error: near-ties may swap there.
APPROXIMATE = {"faiss-ivf-fp16": 0.001, "faiss-pq-fp16": 0.001}


def tol(backend: Backend, exact: float = 1e-5) -> float:
    """The score / vector tolerance of a backend (float16 codes: 0.001, else float32 rounding)."""
    return APPROXIMATE.get(backend.name, exact)


_names = (f"t{i}" for i in itertools.count())


@pytest.fixture(scope="module")
def lite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Milvus Lite file per module: each Lite file starts a server thread that lives until exit."""
    return tmp_path_factory.mktemp("milvus") / "m.db"


@dataclass
class Backend:
    """Opens stores of one backend at this test's own place."""

    name: str
    factory: Callable[[Place, int], VectorStore]
    persistent: bool
    place: Place

    def open(self, dim: int = DIM) -> VectorStore:
        return self.factory(self.place, dim)


@pytest.fixture(params=list(BACKENDS))
def backend(request: pytest.FixtureRequest, lite_file: Path) -> Backend:
    factory, persistent = BACKENDS[request.param]
    return Backend(request.param, factory, persistent, Place(lite_file, next(_names)))


@pytest.fixture
def store(backend: Backend) -> VectorStore:
    return backend.open()


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    """N random unit vectors under ids that are not their positions (7, 10, 13, …)."""
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((N, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.arange(N, dtype=np.int64) * 3 + 7, vectors


def unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def exact_top(ids: np.ndarray, vectors: np.ndarray, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The right answer, by brute force."""
    scores = vectors @ query
    order = np.argsort(-scores)[:k]
    return ids[order], scores[order]


def test_nearest_vector_comes_first_with_its_inner_product(store, data, backend):
    ids, vectors = data
    store.add(ids, vectors)
    rng = np.random.default_rng(1)
    for row in (0, 17, 299):
        query = unit(vectors[row] + 0.1 * rng.standard_normal(DIM).astype(np.float32))
        found, scores = store.search(query, 10)
        want_ids, want_scores = exact_top(ids, vectors, query, 10)
        assert found[0] == ids[row]
        assert found.dtype == np.int64 and scores.dtype == np.float32
        atol = APPROXIMATE.get(backend.name)
        if atol is None:
            np.testing.assert_array_equal(found, want_ids)
        else:  # the same ten, allowing near-ties (within the score error) to swap or trade places
            assert len(set(found) & set(want_ids)) >= 9
        exact_scores = vectors[(found - 7) // 3] @ query  # each found vector's true inner product
        np.testing.assert_allclose(scores, exact_scores, atol=atol or 1e-5)
        if atol is None:
            np.testing.assert_allclose(scores, want_scores, atol=1e-5)
        assert np.all(np.diff(scores) <= 0)


def test_removed_ids_never_come_back(store, data):
    ids, vectors = data
    store.add(ids, vectors)
    gone = ids[::3]
    absent = np.array([1, 2, 10_000], dtype=np.int64)
    assert store.remove(np.concatenate([gone, absent])) == len(gone)
    assert store.count() == N - len(gone)
    assert store.remove(gone) == 0  # already removed
    for row in (0, 3, 150):  # vectors that were removed: their own best match is gone
        found, _ = store.search(vectors[row], N)
        assert ids[row] not in found
        assert not np.isin(found, gone).any()
        assert len(found) == N - len(gone)


def test_new_ids_can_be_added_after_a_removal(store, data, backend):
    ids, vectors = data
    store.add(ids[:100], vectors[:100])
    assert store.remove(ids[:50]) == 50
    new_ids = np.arange(100, dtype=np.int64) + 10_000
    store.add(new_ids, vectors[100:200])
    assert store.count() == 150
    found, scores = store.search(vectors[120], 3)
    assert found[0] == new_ids[20]
    assert scores[0] == pytest.approx(1.0, abs=tol(backend))
    found, _ = store.search(vectors[10], 200)
    assert ids[10] not in found


def test_vectors_come_back_in_the_order_asked(store, data, backend):
    ids, vectors = data
    store.add(ids, vectors)
    order = np.random.default_rng(2).permutation(N)[:40]
    got = store.vectors(ids[order])
    assert got.shape == (40, DIM) and got.dtype == np.float32
    np.testing.assert_allclose(got, vectors[order], atol=tol(backend, 1e-6))


def test_k_larger_than_count_returns_everything_best_first(store, data, backend):
    ids, vectors = data
    store.add(ids[:5], vectors[:5])
    found, scores = store.search(vectors[3], 50)
    want_ids, want_scores = exact_top(ids[:5], vectors[:5], vectors[3], 50)
    np.testing.assert_array_equal(found, want_ids)
    np.testing.assert_allclose(scores, want_scores, atol=tol(backend))


def test_empty_store(store, data):
    _, vectors = data
    assert store.count() == 0
    found, scores = store.search(vectors[0], 10)
    assert found.shape == (0,) and scores.shape == (0,)
    assert found.dtype == np.int64 and scores.dtype == np.float32
    assert store.remove(np.array([1, 2], dtype=np.int64)) == 0
    assert store.vectors(np.zeros(0, dtype=np.int64)).shape == (0, DIM)


def test_save_then_load_gives_the_same_results(store, data, tmp_path, backend):
    ids, vectors = data
    store.add(ids, vectors)
    store.remove(ids[:10])
    folder = tmp_path / "build"
    folder.mkdir()
    assert store.save(folder) == [p.name for p in folder.iterdir()]  # the files it wrote, for the manifest
    loaded = type(store).load(folder, {})
    assert loaded is not store
    assert loaded.dim == DIM
    assert loaded.count() == N - 10
    for row in (0, 42, 299):
        np.testing.assert_array_equal(loaded.search(vectors[row], 10)[0], store.search(vectors[row], 10)[0])
        np.testing.assert_allclose(loaded.search(vectors[row], 10)[1], store.search(vectors[row], 10)[1])
    np.testing.assert_allclose(loaded.vectors(ids[10:20]), vectors[10:20], atol=tol(backend, 1e-6))


def test_reopening_with_another_dim_is_refused(backend, data):
    if not backend.persistent:
        pytest.skip(f"{backend.name} keeps vectors in memory: there is nothing to reopen")
    ids, vectors = data
    backend.open(DIM).add(ids[:10], vectors[:10])
    with pytest.raises(ConfigError) as caught:
        backend.open(DIM * 2)
    assert str(DIM) in caught.value.en and str(DIM * 2) in caught.value.en
    assert "维度" in caught.value.zh
    assert backend.open(DIM).count() == 10  # the right dim still opens it


# Milvus only: what FAISS has no counterpart for.


@pytest.fixture
def milvus(lite_file: Path) -> VectorStore:
    return _milvus_lite(Place(lite_file, next(_names)), DIM)


def test_milvus_saves_no_token_and_refuses_a_dropped_collection(milvus, tmp_path):
    (name,) = milvus.save(tmp_path)
    assert "token" not in (tmp_path / name).read_text(encoding="utf-8")
    milvus.client.drop_collection(milvus.collection)
    with pytest.raises(IndexNotFoundError):
        type(milvus).load(tmp_path, {})


def test_milvus_unreachable_server_names_the_setting(milvus):
    with pytest.raises(ConfigError, match="QA_MILVUS_URI"):
        type(milvus)("http://127.0.0.1:1", "t", DIM)  # nothing listens on port 1


def test_the_smallest_quantized_index_trains_without_faiss_warning_the_user(capfd):
    n = store_module.EXACT_BELOW
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((n, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    built = store_module.make_store(32, n, train=vectors)
    assert built.describe() == store_module.plan(n) and built.describe()["type"] == "pq-fp16"
    assert "WARNING" not in capfd.readouterr().err  # FAISS prints to the C stderr of `qa index`


def test_every_registered_backend_records_the_name_it_is_registered_under():
    from qa.search import vectors

    for name in vectors.BACKENDS:
        assert name == vectors.backend(name).NAME
    with pytest.raises(ConfigError, match="QA_VECTOR_STORE"):
        vectors.backend("qdrant")


def test_a_backend_reads_its_own_variables_and_its_token_stays_out_of_repr():
    from qa.config import Settings

    env = {"QA_VECTOR_STORE": "milvus", "QA_MILVUS_URI": "http://m:19530", "QA_MILVUS_TOKEN": "user:s3cret-pass"}
    settings = Settings.from_env(env)
    assert settings.options() == {"uri": "http://m:19530", "token": "user:s3cret-pass"}
    assert settings.options("faiss") == {}
    assert "s3cret" not in repr(settings)
    with pytest.raises(ConfigError, match="QA_VECTOR_STORE"):
        Settings.from_env({"QA_VECTOR_STORE": "qdrant"})
